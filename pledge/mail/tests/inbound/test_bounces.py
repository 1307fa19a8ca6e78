"""Bounces found by the VERP token stop or count mail to the address, and the gate says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pledge.campaigns.models import CampaignMessage
from pledge.campaigns.sending import expand_campaign, start_campaign
from pledge.mail.inbound.intake import receive
from pledge.mail.inbound.models import Bounce, InboundMessage
from pledge.mail.models import OutboundMessage
from pledge.mail.transport import return_path
from pledge.policy import gate
from pledge.policy.models import AuditEvent

from .conftest import SOFT, dsn_for

pytestmark = pytest.mark.django_db


def bounce(message: OutboundMessage, kind: tuple[str, str] | None = None) -> InboundMessage:
    raw = dsn_for(message, kind) if kind else dsn_for(message)
    row, created = receive(raw, mail_from="", recipients=[return_path(message.token)], via="pipe")
    assert created
    row.refresh_from_db()
    return row


def test_hard_bounce_stops_all_mail_to_the_address_at_once(make_person, sent_to) -> None:
    person = make_person("gone@example.org")
    message = sent_to(person)

    row = bounce(message)

    person.refresh_from_db()
    today = f"{timezone.now():%Y-%m-%d}"
    assert (row.kind, row.action, row.outbound, row.person) == (
        "bounce-hard",
        "hard bounce: all mail to the address stopped",
        message,
        person,
    )
    assert gate.allows(person, "account").reason == f"the address hard-bounced on {today}"
    assert gate.allows(person, "newsletter").reason == f"the address hard-bounced on {today}"
    assert list(Bounce.objects.values_list("kind", "address")) == [("hard", "gone@example.org")]
    assert AuditEvent.objects.filter(action="mail.bounce_stop", subject_id=person.pk).count() == 1


def test_hard_bounce_stops_the_next_campaign_to_that_address(
    make_subscriber, make_campaign, send_now
) -> None:
    gone = make_subscriber("gone@example.org")
    kept = make_subscriber("kept@example.org")
    first = make_campaign(name="First")
    start_campaign(first, by=None)
    expand_campaign(first)
    sent = {m.to_address: m for m in send_now()}

    bounce(sent["gone@example.org"])
    second = make_campaign(name="Second")
    start_campaign(second, by=None)
    expand_campaign(second)
    delivered = {m.to_address for m in send_now()}

    written = CampaignMessage.objects.filter(campaign=second)
    assert delivered == {"kept@example.org"}
    assert sorted(m.message.to_address for m in written) == ["kept@example.org"]
    assert kept.pk != gone.pk


def test_queued_mail_to_a_hard_bounced_address_is_refused_at_send_time(
    make_person, sent_to, queue_notice, send_now
) -> None:
    person = make_person("gone@example.org")
    message = sent_to(person)
    waiting = queue_notice(person)

    bounce(message)
    send_now()

    waiting.refresh_from_db()
    assert (waiting.status, waiting.reason) == (
        "refused",
        f"the address hard-bounced on {timezone.now():%Y-%m-%d}",
    )


def test_soft_bounces_suspend_only_at_the_limit(make_person, sent_to, settings) -> None:
    settings.BOUNCE_SOFT_LIMIT = 3
    person = make_person("full@example.org")
    messages = [sent_to(person) for _ in range(3)]

    first, second = bounce(messages[0], SOFT), bounce(messages[1], SOFT)
    person.refresh_from_db()
    allowed_before = bool(gate.allows(person, "policy_notices"))
    third = bounce(messages[2], SOFT)
    person.refresh_from_db()

    until = timezone.now() + timedelta(days=settings.BOUNCE_SUSPEND_DAYS)
    assert [first.action, second.action] == [
        "soft bounce counted: 1 of 3 in a row",
        "soft bounce counted: 2 of 3 in a row",
    ]
    assert allowed_before is True
    assert third.action == f"soft bounces: the address suspended until {until:%Y-%m-%d}"
    assert gate.allows(person, "policy_notices").reason == (
        f"the address is suspended after soft bounces until {until:%Y-%m-%d}"
    )
    # Transactional mail the person asks for (a password reset) still goes.
    assert gate.allows(person, "account") == gate.ALLOW


def test_a_delivery_between_soft_bounces_starts_the_count_again(
    make_person, sent_to, settings
) -> None:
    settings.BOUNCE_SOFT_LIMIT = 2
    person = make_person("flaky@example.org")
    bounced_first = sent_to(person)
    delivered = sent_to(person)  # accepted, and no bounce came back for it
    bounced_next = sent_to(person)

    bounce(bounced_first, SOFT)
    row = bounce(bounced_next, SOFT)

    person.refresh_from_db()
    assert delivered.status == "sent"
    assert row.action == "soft bounce counted: 1 of 2 in a row"
    assert person.mail_stopped_at is None


def test_bounce_for_a_message_never_sent_changes_nothing(make_person) -> None:
    person = make_person("someone@example.org")
    raw = dsn_for(
        OutboundMessage(
            token="0" * 32,
            to_address=person.email,
            message_id="<never@claxton.localhost>",
            subject="x",
        )
    )

    row, _ = receive(raw, mail_from="", recipients=[return_path("0" * 32)], via="lmtp")

    row.refresh_from_db()
    person.refresh_from_db()
    assert (row.kind, row.action) == ("bounce-hard", "names no message we sent; nothing changed")
    assert person.mail_stopped_at is None
    assert Bounce.objects.count() == 0


def test_a_new_address_is_not_stopped_by_the_old_ones_bounce(make_person, sent_to) -> None:
    person = make_person("old@example.org")
    bounce(sent_to(person))
    person.refresh_from_db()

    refused_old = gate.allows(person, "account").allowed
    allowed_new = gate.allows(person, "account", address="new@example.org").allowed

    assert (refused_old, allowed_new) == (False, True)


def test_reachable_query_agrees_with_allows_after_bounces(make_person, sent_to, settings) -> None:
    from pledge.people.models import Person

    settings.BOUNCE_SOFT_LIMIT = 1
    hard, soft, fine = (make_person(f"{n}@example.org") for n in ("hard", "soft", "fine"))
    bounce(sent_to(hard))
    bounce(sent_to(soft), SOFT)

    reachable = {
        purpose: set(Person.objects.reachable_for(purpose).values_list("email", flat=True))
        for purpose in ("account", "policy_notices")
    }

    assert reachable == {
        "account": {"soft@example.org", "fine@example.org"},
        "policy_notices": {"fine@example.org"},
    }
