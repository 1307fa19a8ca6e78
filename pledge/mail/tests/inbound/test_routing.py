"""What each kind of mail in leads to: opt-outs, data requests, support, nothing for automatic mail."""

from __future__ import annotations

import pytest

from pledge.mail.inbound.intake import receive
from pledge.mail.inbound.models import DataRequest, InboundMessage
from pledge.policy import gate
from pledge.policy.models import Consent

from .conftest import unsubscribe_mail

pytestmark = pytest.mark.django_db

COMPLAINT = """From: fbl@isp.example
To: abuse@claxton.localhost
Subject: Abuse report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="x"

--x
Content-Type: text/plain

This is an email abuse report for an email message received from you.

--x
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: isp-fbl/1.0
Version: 1

--x
Content-Type: message/rfc822

Return-Path: <bounces+{token}@claxton.localhost>
Message-ID: {message_id}
From: ContactGenie <news@claxton.localhost>
To: {to}
Subject: {subject}

Hello
--x--
"""


def stored(raw: bytes, *recipients: str):
    row, _ = receive(raw, mail_from="sender@isp.example", recipients=list(recipients), via="pipe")
    row.refresh_from_db()
    return row


def test_complaint_opts_the_person_out_of_the_list_at_once(
    make_subscriber, make_campaign, send_now
) -> None:
    from pledge.campaigns.sending import expand_campaign, start_campaign

    person = make_subscriber("reader@example.org")
    campaign = make_campaign("Autumn")
    start_campaign(campaign, by=None)
    expand_campaign(campaign)
    (message,) = send_now()
    raw = COMPLAINT.format(
        token=message.token,
        message_id=message.message_id,
        to=message.to_address,
        subject=message.subject,
    ).encode()

    row = stored(raw, "abuse@claxton.localhost")

    person.refresh_from_db()
    assert (row.kind, row.action, row.outbound) == (
        "complaint",
        "opted out of the list news",
        message,
    )
    assert gate.allows(person, "newsletter").reason.startswith("consent was withdrawn on ")
    assert Consent.objects.filter(person=person, granted=False).get().via == "system"


def test_mail_to_the_unsubscribe_address_opts_out_and_names_the_message(
    make_subscriber, make_campaign, send_now
) -> None:
    from pledge.campaigns.sending import expand_campaign, start_campaign

    person = make_subscriber("leaver@example.org")
    campaign = make_campaign("Winter")
    start_campaign(campaign, by=None)
    expand_campaign(campaign)
    (message,) = send_now()
    raw, to = unsubscribe_mail(message)

    row = stored(raw, to)
    again = stored(raw.replace(b"unsubscribe\n", b"please unsubscribe me\n"), to)

    person.refresh_from_db()
    assert (row.kind, row.action, row.outbound) == (
        "unsubscribe",
        "opted out of the list news",
        message,
    )
    assert again.action == "was not on the list news; nothing changed"
    assert Consent.objects.filter(person=person, granted=False).get().via == "mail"
    assert message.inbound_messages.filter(kind="unsubscribe").count() == 2


def test_auto_reply_is_recorded_never_answered_never_a_bounce(make_person, sent_to) -> None:
    person = make_person("away@example.org")
    message = sent_to(person)
    raw = (
        f"From: {person.email}\nTo: bounces+{message.token}@claxton.localhost\n"
        "Auto-Submitted: auto-replied\nSubject: Out of office\n\nBack on Monday.\n"
    ).encode()

    row = stored(raw, f"bounces+{message.token}@claxton.localhost")

    person.refresh_from_db()
    assert (row.kind, row.action) == ("auto-reply", "recorded; never answered, not a bounce")
    assert person.mail_stopped_at is None
    assert message.bounces.count() == 0


def test_mail_to_the_privacy_address_opens_a_data_request(make_person) -> None:
    person = make_person("asker@example.org")
    raw = b"From: Asker <asker@example.org>\nTo: privacy@claxton.com\nSubject: My data\n\nHi\n"

    row = stored(raw, "privacy@claxton.com")

    request = DataRequest.objects.get()
    assert (row.kind, row.action) == (
        "data-request",
        f"data request #{request.pk} opened for the privacy officer",
    )
    assert (request.person, request.from_address, request.subject, request.status) == (
        person,
        "asker@example.org",
        "My data",
        "open",
    )


def test_mail_to_support_that_asks_for_erasure_is_a_data_request(policy) -> None:
    raw = (
        b"From: someone@example.org\nTo: support@claxton.com\nSubject: Question\n\n"
        b"Please delete my personal data from your systems.\n"
    )

    row = stored(raw, "support@claxton.com")

    assert (row.kind, row.reason) == (
        "data-request",
        "reads as a data request: 'delete my personal data'",
    )
    assert DataRequest.objects.get().person is None


def test_other_mail_from_a_person_goes_to_the_support_app(policy) -> None:
    raw = (
        b"From: Buyer <buyer@example.org>\nTo: support@claxton.com\n"
        b"Message-ID: <q1@example.org>\nSubject: Licence key\n\nMy key does not work.\n"
    )

    row = stored(raw, "support@claxton.com")

    assert row.kind == "support"
    assert row.action.startswith("support: ")
    assert row.processed_at is not None


def test_a_message_stored_twice_is_processed_once(policy) -> None:
    raw = b"From: a@example.org\nTo: privacy@claxton.com\nSubject: Access\n\nWhat do you hold?\n"

    first, created_first = receive(
        raw, mail_from="a@example.org", recipients=["privacy@claxton.com"], via="lmtp"
    )
    second, created_second = receive(
        raw, mail_from="a@example.org", recipients=["privacy@claxton.com"], via="lmtp"
    )

    assert (created_first, created_second, first.pk) == (True, False, second.pk)
    assert DataRequest.objects.count() == 1


def failing_handler(inbound) -> str:
    raise RuntimeError("the support app is broken today")


def test_the_worker_job_processes_what_receiving_left_undone(policy) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from pledge.mail.inbound.intake import process_pending, store

    raw = b"From: a@example.org\nTo: privacy@claxton.com\nSubject: Access\n\nWhat do you hold?\n"
    row, _ = store(raw, mail_from="a@example.org", recipients=["privacy@claxton.com"], via="pipe")
    InboundMessage.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(minutes=5)
    )

    done = process_pending()

    row.refresh_from_db()
    assert (done, row.kind, row.attempts) == (1, "data-request", 1)
    assert DataRequest.objects.get().inbound == row


def test_a_message_failing_every_time_is_set_aside_kept_for_staff(policy, monkeypatch) -> None:
    from pledge.mail.inbound import routing
    from pledge.mail.inbound.intake import MAX_ATTEMPTS, process

    monkeypatch.setattr(
        routing, "SUPPORT_HANDLER", "pledge.mail.tests.inbound.test_routing.failing_handler"
    )
    raw = b"From: a@example.org\nTo: support@claxton.com\nSubject: Help\n\nPlease.\n"
    row, _ = receive(raw, mail_from="a@example.org", recipients=["support@claxton.com"], via="pipe")

    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(RuntimeError):
            process(row.pk)

    row.refresh_from_db()
    assert (row.attempts, row.last_error, row.action, bytes(row.raw)) == (
        MAX_ATTEMPTS,
        "RuntimeError: the support app is broken today",
        f"set aside after {MAX_ATTEMPTS} failed attempts; kept for staff",
        raw,
    )
    assert row.processed_at is not None


def test_nul_bytes_stay_in_the_stored_bytes_and_out_of_text_columns(policy) -> None:
    raw = b"From: a@example.org\x00\nTo: privacy@claxton.com\nSubject: My\x00 data\n\nAll\x00.\n"

    row = stored(raw, "privacy@claxton.com")

    assert (bytes(row.raw), row.kind, row.last_error) == (raw, "data-request", "")
    assert DataRequest.objects.get().subject == "My data"


def _campaign_message(make_subscriber, make_campaign, send_now, email, name):
    from pledge.campaigns.sending import expand_campaign, start_campaign

    make_subscriber(email)
    campaign = make_campaign(name)
    start_campaign(campaign, by=None)
    expand_campaign(campaign)
    (message,) = send_now()
    return campaign, message


def test_an_unsubscribe_by_mail_is_counted_in_the_campaigns_report(
    make_subscriber, make_campaign, send_now
) -> None:
    from pledge.campaigns.report import campaign_report

    campaign, message = _campaign_message(
        make_subscriber, make_campaign, send_now, "leaver@example.org", "Spring"
    )
    raw, to = unsubscribe_mail(message)

    stored(raw, to)
    stored(raw.replace(b"unsubscribe\n", b"please unsubscribe me\n"), to)

    message.refresh_from_db()
    assert message.unsubscribed_at is not None
    assert campaign_report(campaign).unsubscribed == 1


def test_a_complaint_that_opts_out_is_counted_in_the_campaigns_report(
    make_subscriber, make_campaign, send_now
) -> None:
    from pledge.campaigns.report import campaign_report

    campaign, message = _campaign_message(
        make_subscriber, make_campaign, send_now, "reader@example.org", "Summer"
    )
    raw = COMPLAINT.format(
        token=message.token,
        message_id=message.message_id,
        to=message.to_address,
        subject=message.subject,
    ).encode()

    row = stored(raw, "abuse@claxton.localhost")

    assert row.action == "opted out of the list news"
    assert campaign_report(campaign).unsubscribed == 1
