"""Resetting a forgotten password by mail, and changing it while signed in."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy.models import AuditEvent

from .conftest import MADE_PASSWORD

NEW_PASSWORD = "quince-amber-lantern-77"


def test_reset_for_an_unknown_address_shows_the_same_page_and_sends_nothing(client, policy):
    response = client.post(reverse("people:password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("people:password_reset_done")
    assert OutboundMessage.objects.count() == 0
    assert AuditEvent.objects.filter(action="person.password_reset_request").count() == 0


def test_reset_for_a_deactivated_account_sends_nothing(client, make_person):
    make_person("ada@example.com", status=Person.Status.DEACTIVATED)

    response = client.post(reverse("people:password_reset"), {"email": "ada@example.com"})

    assert response["Location"] == reverse("people:password_reset_done")
    assert OutboundMessage.objects.count() == 0


def test_reset_end_to_end(client, make_person, mail_link, sign_in):
    person = make_person("ada@example.com", email_verified_at=None)

    asked = client.post(reverse("people:password_reset"), {"email": "Ada@Example.com"})
    message = OutboundMessage.objects.get()
    link = mail_link(message.body_text, "password_reset_confirm")
    shown = client.get(link)
    unchanged = Person.objects.get().check_password(MADE_PASSWORD)
    done = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    reused = client.get(link)

    person.refresh_from_db()
    audits = list(
        AuditEvent.objects.filter(action__startswith="person.password_reset").order_by("id")
    )
    assert asked["Location"] == reverse("people:password_reset_done")
    assert (message.purpose, message.template, message.to_address) == (
        "account",
        "people/password_reset",
        "ada@example.com",
    )
    assert shown.status_code == 200
    assert unchanged is True
    assert done["Location"] == reverse("people:password_reset_complete")
    assert reused.status_code == 400
    assert person.check_password(NEW_PASSWORD) is True
    assert person.password.startswith("argon2")
    assert person.email_verified_at is not None
    assert [(a.action, a.subject_id) for a in audits] == [
        ("person.password_reset_request", person.pk),
        ("person.password_reset", person.pk),
    ]
    assert sign_in("ada@example.com", MADE_PASSWORD).status_code == 200
    assert sign_in("ada@example.com", NEW_PASSWORD).status_code == 302


def test_reset_form_refuses_a_weak_password_and_changes_nothing(client, make_person, mail_link):
    make_person("ada@example.com")
    client.post(reverse("people:password_reset"), {"email": "ada@example.com"})
    link = mail_link(OutboundMessage.objects.get().body_text, "password_reset_confirm")

    response = client.post(link, {"new_password1": "password", "new_password2": "password"})

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"] == [
        "This password is too short. It must contain at least 10 characters.",
        "This password is too common.",
    ]
    assert Person.objects.get().check_password(MADE_PASSWORD) is True
    assert AuditEvent.objects.filter(action="person.password_reset").count() == 0


def test_forged_reset_link_is_refused(client, make_person):
    make_person("ada@example.com")

    response = client.get(reverse("people:password_reset_confirm", args=["MQ", "abc-def"]))

    assert response.status_code == 400
    assert "This link does not work any more" in response.content.decode()


def test_change_password_while_signed_in_keeps_the_session(client, make_person):
    person = make_person("ada@example.com")
    client.force_login(person)

    response = client.post(
        reverse("people:password_change"),
        {
            "old_password": MADE_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    person.refresh_from_db()
    audit = AuditEvent.objects.get(action="person.change_password")
    assert response["Location"] == reverse("people:account")
    assert person.check_password(NEW_PASSWORD) is True
    assert client.get(reverse("people:account")).status_code == 200
    assert client.session[SESSION_KEY] == str(person.pk)
    assert (audit.subject_id, audit.categories) == (person.pk, ["user.authorization.password"])


def test_change_password_needs_the_current_one(client, make_person):
    person = make_person("ada@example.com")
    client.force_login(person)

    response = client.post(
        reverse("people:password_change"),
        {
            "old_password": "a-wrong-guess-1",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["old_password"]
    assert Person.objects.get().check_password(MADE_PASSWORD) is True
    assert AuditEvent.objects.filter(action="person.change_password").count() == 0
