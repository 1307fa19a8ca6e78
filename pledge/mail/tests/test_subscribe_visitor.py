"""A visitor joins with a name and an address; the answer never tells if the address is known."""

from __future__ import annotations

from django.urls import reverse

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy.models import AuditEvent, ConsentState


def _subscribe(client, email, name="Grace Hopper"):
    return client.post(reverse("lists:subscribe"), {"name": name, "email": email})


def _answer(response):
    return (response.status_code, response["Location"])


def test_known_and_unknown_addresses_get_the_same_answer_and_one_mail_each(
    client, make_person, subscribed
):
    make_person("known@example.com")
    subscribed("member@example.com")
    mails_before = OutboundMessage.objects.count()

    unknown = _subscribe(client, "new@example.com")
    known = _subscribe(client, "KNOWN@example.com")
    member = _subscribe(client, "member@example.com")

    new_mails = OutboundMessage.objects.filter(pk__gt=0).order_by("pk")[mails_before:]
    assert _answer(unknown) == _answer(known) == _answer(member)
    assert _answer(unknown) == (302, reverse("lists:subscribe_sent"))
    assert [(m.to_address, m.purpose, m.status) for m in new_mails] == [
        ("new@example.com", "list_confirmation", "queued"),
        ("known@example.com", "list_confirmation", "queued"),
        ("member@example.com", "list_confirmation", "queued"),
    ]


def test_the_page_after_asking_is_the_same_for_everyone(client, make_person):
    make_person("known@example.com")

    for_unknown = client.get(reverse("lists:subscribe_sent")).content
    _subscribe(client, "known@example.com")
    for_known = client.get(reverse("lists:subscribe_sent")).content

    assert for_unknown == for_known


def test_an_unknown_address_becomes_a_person_without_a_password(client, policy):
    _subscribe(client, "New@Example.com", name="  Grace Hopper ")

    person = Person.objects.get()
    audit = AuditEvent.objects.get(action="list.subscribe_requested")
    assert (person.email, person.name, person.collection_point, person.site) == (
        "new@example.com",
        "Grace Hopper",
        "mailing_lists",
        "contactgenie",
    )
    assert person.has_usable_password() is False
    assert person.email_verified_at is None
    assert person.collected_under == policy
    assert ConsentState.objects.count() == 0  # nothing until the link is followed
    assert (audit.subject_id, audit.categories, audit.detail["new_person"]) == (
        person.pk,
        ["user.contact.email", "user.name"],
        True,
    )


def test_a_visitor_cannot_rename_a_known_account(client, make_person):
    person = make_person("known@example.com", name="Ada Lovelace")

    _subscribe(client, "known@example.com", name="Somebody Else")

    person.refresh_from_db()
    assert person.name == "Ada Lovelace"


def test_a_deactivated_account_gets_no_mail_and_the_visitor_the_same_answer(client, make_person):
    make_person("gone@example.com", status="deactivated")

    response = _subscribe(client, "gone@example.com")

    assert _answer(response) == (302, reverse("lists:subscribe_sent"))
    assert OutboundMessage.objects.count() == 0
    assert AuditEvent.objects.get(action="list.subscribe_requested").reason == (
        "a visitor asked to join news for this address (no mail: the account may not join)"
    )


def test_a_bad_address_is_a_form_error_and_keeps_the_name(client, policy):
    response = client.post(reverse("lists:subscribe"), {"name": "Grace", "email": "not-mail"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert response.context["form"]["name"].value() == "Grace"
    assert Person.objects.count() == 0


def test_the_home_page_offers_the_form_to_visitors(client, policy):
    response = client.get(reverse("site:home"))

    page = response.content.decode()
    assert response.status_code == 200
    assert f'action="{reverse("lists:subscribe")}"' in page
    assert 'aria-label="Subscribe to News &amp; Special Offers"' in page


def test_a_signed_in_person_is_sent_to_the_account_page(client, make_person):
    client.force_login(make_person())

    response = client.get(reverse("lists:subscribe"))

    assert _answer(response) == (302, reverse("people:account") + "#mailing-lists")
