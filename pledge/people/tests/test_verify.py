"""Verifying an address by the link in the mail: GET shows a button, POST verifies."""

from __future__ import annotations

from django.urls import reverse

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.people.verification import verification_token
from pledge.policy.models import AuditEvent


def registered(register, mail_link):
    register("ada@example.com")
    return Person.objects.get(), mail_link(OutboundMessage.objects.get().body_text, "verify")


def test_opening_the_link_changes_nothing(client, register, mail_link):
    person, link = registered(register, mail_link)

    response = client.get(link)

    person.refresh_from_db()
    assert response.status_code == 200
    assert "Confirm my address" in response.content.decode()
    assert person.email_verified_at is None
    assert AuditEvent.objects.filter(action="person.verify_email").count() == 0


def test_pressing_the_button_verifies_the_address(client, register, mail_link):
    person, link = registered(register, mail_link)

    response = client.post(link)

    person.refresh_from_db()
    audit = AuditEvent.objects.get(action="person.verify_email")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:login")
    assert person.email_verified_at is not None
    assert (audit.subject_id, audit.categories) == (person.pk, ["user.contact.email"])


def test_link_opened_again_after_verifying_says_already_verified(client, register, mail_link):
    person, link = registered(register, mail_link)
    client.post(link)
    verified_at = Person.objects.get().email_verified_at

    shown = client.get(link)
    pressed = client.post(link)

    assert shown.status_code == 200
    assert "Already verified" in shown.content.decode()
    assert pressed.status_code == 302
    assert Person.objects.get().email_verified_at == verified_at
    assert AuditEvent.objects.filter(action="person.verify_email").count() == 1


def test_the_link_does_not_put_the_address_in_the_url(register, mail_link):
    _, link = registered(register, mail_link)

    assert "ada" not in link
    assert "example" not in link


def test_expired_link_says_so_and_offers_a_new_one_when_signed_in(client, settings, make_person):
    person = make_person("ada@example.com", email_verified_at=None)
    client.force_login(person)
    settings.VERIFICATION_MAX_AGE = -1  # every link is past its age

    response = client.get(reverse("people:verify", args=[verification_token(person, person.email)]))

    html = response.content.decode()
    assert response.status_code == 400
    assert "This link has expired" in html
    assert f'action="{reverse("people:verify_resend")}"' in html
    assert Person.objects.get().email_verified_at is None


def test_expired_link_tells_a_signed_out_person_to_sign_in_for_a_new_one(
    client, settings, make_person
):
    person = make_person("ada@example.com", email_verified_at=None)
    settings.VERIFICATION_MAX_AGE = -1

    response = client.get(reverse("people:verify", args=[verification_token(person, person.email)]))

    html = response.content.decode()
    assert response.status_code == 400
    assert "This link has expired" in html
    assert "ask for one on your account page" in html


def test_damaged_link_is_not_valid(client, register, mail_link):
    person, link = registered(register, mail_link)

    response = client.post(link[:-3] + "xx/")

    person.refresh_from_db()
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert person.email_verified_at is None


def test_link_for_an_address_no_longer_on_the_account_is_not_valid(client, make_person):
    person = make_person("ada@example.com", email_verified_at=None)
    token = verification_token(person, "old@example.com")

    response = client.post(reverse("people:verify", args=[token]))

    assert response.status_code == 400
    assert Person.objects.get().email_verified_at is None


def test_resend_queues_a_new_link_and_audits(client, make_person, mail_link):
    person = make_person("ada@example.com", email_verified_at=None)
    client.force_login(person)

    response = client.post(reverse("people:verify_resend"))

    message = OutboundMessage.objects.get()
    audit = AuditEvent.objects.get(action="person.verification_resent")
    assert response.status_code == 302
    assert (message.template, message.to_address) == ("people/verify", "ada@example.com")
    assert client.post(mail_link(message.body_text, "verify")).status_code == 302
    assert Person.objects.get().email_verified_at is not None
    assert audit.subject_id == person.pk


def test_resend_is_rate_limited_per_account(client, settings, make_person):
    settings.RATE_LIMIT_RESET = 2
    person = make_person("ada@example.com", email_verified_at=None)
    client.force_login(person)
    for _ in range(2):
        client.post(reverse("people:verify_resend"), follow=True)

    response = client.post(reverse("people:verify_resend"), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Too many attempts. Please wait 15 minutes and try again."
    ]
    assert OutboundMessage.objects.count() == 2
    assert AuditEvent.objects.filter(action="person.verification_resent").count() == 2


def test_resend_needs_a_signed_in_person(client, policy):
    response = client.post(reverse("people:verify_resend"))

    assert response.status_code == 302
    assert response["Location"] == reverse("people:login")
    assert OutboundMessage.objects.count() == 0
