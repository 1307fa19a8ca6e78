"""The account page: details, a new name, a new address confirmed by mail."""

from __future__ import annotations

from django.urls import reverse

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy.models import AuditEvent

from .conftest import MADE_PASSWORD


def test_account_page_needs_a_signed_in_person(client, policy):
    response = client.get(reverse("people:account"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('people:login')}?next={reverse('people:account')}"


def test_account_page_shows_details_and_links_to_your_data(client, make_person):
    person = make_person("ada@example.com", name="Ada Lovelace")
    client.force_login(person)

    response = client.get(reverse("people:account"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<dt>Name</dt><dd>Ada Lovelace</dd>" in html
    assert "<dt>Email address</dt><dd>ada@example.com</dd>" in html
    assert f'href="{reverse("rights:start")}"' in html
    assert f'href="{reverse("policy:statement")}"' in html
    assert "Please confirm your address" not in html


def test_change_name(client, make_person):
    person = make_person("ada@example.com", name="Ada Byron")
    client.force_login(person)

    response = client.post(reverse("people:profile_edit"), {"name": "Ada Lovelace"})

    audit = AuditEvent.objects.get(action="person.change_name")
    assert response["Location"] == reverse("people:account")
    assert Person.objects.get().name == "Ada Lovelace"
    assert (audit.subject_id, audit.categories) == (person.pk, ["user.name"])


def test_email_change_keeps_the_old_address_until_the_new_one_is_confirmed(
    client, make_person, mail_link
):
    person = make_person("ada@example.com")
    client.force_login(person)

    asked = client.post(
        reverse("people:email_change"), {"email": "Ada@Lovelace.example", "password": MADE_PASSWORD}
    )
    message = OutboundMessage.objects.get()
    link = mail_link(message.body_text, "verify")
    waiting = Person.objects.get()
    shown = client.get(link)
    confirmed = client.post(link)

    person.refresh_from_db()
    actions = list(
        AuditEvent.objects.filter(action__startswith="person.change_email")
        .order_by("id")
        .values_list("action", "subject_id")
    )
    assert asked["Location"] == reverse("people:account")
    assert (message.person_id, message.template, message.to_address) == (
        person.pk,
        "people/verify",
        "ada@lovelace.example",
    )
    assert (waiting.email, waiting.pending_email) == ("ada@example.com", "ada@lovelace.example")
    assert "ada@lovelace.example" in shown.content.decode()
    assert confirmed["Location"] == reverse("people:account")
    assert (person.email, person.pending_email) == ("ada@lovelace.example", "")
    assert actions == [
        ("person.change_email_request", person.pk),
        ("person.change_email", person.pk),
    ]


def test_email_change_to_an_address_with_an_account_tells_its_owner_only(client, make_person):
    person = make_person("ada@example.com")
    owner = make_person("grace@example.com")
    client.force_login(person)

    response = client.post(
        reverse("people:email_change"), {"email": "grace@example.com", "password": MADE_PASSWORD}
    )

    message = OutboundMessage.objects.get()
    audit = AuditEvent.objects.get(action="person.change_email_request")
    assert response["Location"] == reverse("people:account")
    assert (message.person_id, message.template) == (owner.pk, "people/already_registered")
    assert Person.objects.get(pk=person.pk).pending_email == ""
    assert (audit.subject_id, audit.detail) == (person.pk, {"site": "contactgenie", "sent": False})


def test_an_address_taken_before_it_is_confirmed_is_not_moved_to(client, make_person, mail_link):
    person = make_person("ada@example.com")
    client.force_login(person)
    client.post(
        reverse("people:email_change"), {"email": "new@example.com", "password": MADE_PASSWORD}
    )
    link = mail_link(OutboundMessage.objects.get().body_text, "verify")
    make_person("new@example.com")

    response = client.post(link)

    assert response.status_code == 409
    assert Person.objects.get(pk=person.pk).email == "ada@example.com"
    assert AuditEvent.objects.filter(action="person.change_email").count() == 0


def test_email_change_needs_the_current_password(client, make_person):
    person = make_person("ada@example.com")
    client.force_login(person)

    response = client.post(
        reverse("people:email_change"), {"email": "new@example.com", "password": "a-wrong-guess-1"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["That is not your current password."]}
    assert 'value="new@example.com"' in response.content.decode()
    assert OutboundMessage.objects.count() == 0
    assert Person.objects.get().pending_email == ""
