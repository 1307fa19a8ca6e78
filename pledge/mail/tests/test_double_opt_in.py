"""Joining a list is explicit and double: a request mails a link, only its POST joins (C9)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pledge.mail.delivery import deliver_due
from pledge.mail.lists import confirm_subscription, request_subscription
from pledge.mail.models import OutboundMessage
from pledge.people.ratelimit import RateLimited
from pledge.policy import gate
from pledge.policy.models import AuditEvent, Consent, ConsentState


def _confirmation_link(smtp_sink, mail_link):
    received = smtp_sink.messages[-1].message
    return received, mail_link(received.get_body(("plain",)).get_content(), "lists:confirm")


def test_subscribe_confirm_by_mail_then_the_gate_allows_the_newsletter(
    client, smtp_sink, make_person, mail_link
):
    person = make_person("ada@example.com")
    client.force_login(person)
    assert gate.allows(person, "newsletter").reason == "no consent was given for this purpose"

    asked = client.post(reverse("lists:account_subscribe"), {"list": "news"})
    deliveries = deliver_due().deliveries
    received, link = _confirmation_link(smtp_sink, mail_link)
    shown = client.get(link)
    states_after_get = ConsentState.objects.count()
    pressed = client.post(link)

    consent = Consent.objects.get(person=person, purpose="newsletter")
    assert asked.status_code == 302
    assert asked["Location"] == reverse("people:account") + "#mailing-lists"
    assert [d.outcome for d in deliveries] == ["sent"]
    assert received["Subject"] == "Confirm: News & Special Offers from ContactGenie"
    assert received["To"] == "Ada Lovelace <ada@example.com>"
    assert received["List-Unsubscribe"] is None  # the confirmation is not list mail
    assert shown.status_code == 200
    assert "Yes, subscribe me" in shown.content.decode()
    assert states_after_get == 0
    assert pressed.status_code == 200
    assert "You are on News &amp; Special Offers" in pressed.content.decode()
    assert (consent.granted, consent.via, consent.collection_point, consent.site) == (
        True,
        "link",
        "mailing_lists",
        "contactgenie",
    )
    assert consent.policy_version.number == 1
    assert gate.allows(person, "newsletter") == gate.ALLOW
    assert list(
        AuditEvent.objects.filter(subject_id=person.pk)
        .order_by("at", "id")
        .values_list("action", flat=True)
    ) == ["list.subscribe_requested", "mail.sent", "consent.grant"]


def test_the_confirmation_mail_names_its_own_purpose(make_person):
    person = make_person()

    request_subscription(person, "news", site="claxton")

    row = OutboundMessage.objects.get()
    assert (row.purpose, row.status, row.template) == (
        "list_confirmation",
        "queued",
        "lists/confirm",
    )
    assert (row.list_key, row.unsubscribe_token) == ("", "")


def test_a_link_used_twice_records_one_consent(client, make_person, mail_link):
    person = make_person()
    request_subscription(person, "news", site="contactgenie")
    link = mail_link(OutboundMessage.objects.get().body_text, "lists:confirm")
    client.post(link)

    again = client.post(link)
    shown = client.get(link)

    assert again.status_code == 200
    assert shown.status_code == 200
    assert "You are on News &amp; Special Offers" in shown.content.decode()
    assert Consent.objects.filter(purpose="newsletter").count() == 1


def test_confirming_verifies_an_unverified_address(make_person, mail_link):
    person = make_person(email_verified_at=None)
    request_subscription(person, "news", site="contactgenie")
    token = mail_link(OutboundMessage.objects.get().body_text, "lists:confirm").split("/")[-2]

    confirm_subscription(token, site="contactgenie")

    person.refresh_from_db()
    audit = AuditEvent.objects.get(action="person.verify_email")
    assert person.email_verified_at is not None
    assert (audit.subject_id, audit.reason) == (
        person.pk,
        "followed the link to confirm a mailing list",
    )
    assert gate.allows(person, "newsletter") == gate.ALLOW


def test_a_link_sent_to_an_old_address_no_longer_confirms(client, make_person, mail_link):
    person = make_person("old@example.com")
    request_subscription(person, "news", site="contactgenie")
    link = mail_link(OutboundMessage.objects.get().body_text, "lists:confirm")
    person.email = "new@example.com"
    person.save(update_fields=["email"])

    response = client.post(link)

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert ConsentState.objects.count() == 0


def test_a_forged_link_is_refused(client, policy):
    response = client.get(reverse("lists:confirm", args=["1:news::forged:abc"]))

    assert response.status_code == 400
    assert ConsentState.objects.count() == 0


def test_asking_again_while_subscribed_sends_nothing(client, subscribed):
    person = subscribed()
    client.force_login(person)
    before = OutboundMessage.objects.count()

    response = client.post(reverse("lists:account_subscribe"), {"list": "news"}, follow=True)

    assert OutboundMessage.objects.count() == before
    assert [str(m) for m in response.context["messages"]] == [
        "You are on News & Special Offers already."
    ]


def test_requests_are_rate_limited_per_address(settings, make_person):
    settings.RATE_LIMIT_RESET = 2
    person = make_person()
    request_subscription(person, "news", site="contactgenie")
    request_subscription(person, "news", site="contactgenie")

    with pytest.raises(RateLimited):
        request_subscription(person, "news", site="contactgenie")

    assert OutboundMessage.objects.count() == 2
