"""Fixtures for mail-in tests: messages really sent to a real SMTP server, and reports on them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.mail.transport import return_path, unsubscribe_address

DSN = """From: MAILER-DAEMON@mx.example.net
To: {to}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message could not be delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {address}
Action: failed
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--b
Content-Type: text/rfc822-headers

Message-ID: {message_id}
Subject: {subject}

--b--
"""

HARD = ("5.1.1", "550 5.1.1 <{address}>: Recipient address rejected: User unknown")
SOFT = ("4.2.2", "452 4.2.2 <{address}>: Mailbox full")


@pytest.fixture
def send_now(smtp_sink: Any) -> Callable[[], list[OutboundMessage]]:
    """Run the worker against the real SMTP sink until nothing is due; the rows it sent."""

    def send() -> list[OutboundMessage]:
        before = len(smtp_sink.messages)
        while deliver_due().deliveries:
            pass
        ids = [each.message["Message-ID"] for each in smtp_sink.messages[before:]]
        return list(OutboundMessage.objects.filter(message_id__in=ids))

    return send


@pytest.fixture
def sent_to(
    queue_notice: Callable[..., OutboundMessage], send_now: Callable[[], list[OutboundMessage]]
) -> Callable[..., OutboundMessage]:
    """Queue a notice for a person and send it through the worker; the sent row."""

    def send(person: Any, purpose: str = "account") -> OutboundMessage:
        row = queue_notice(person, purpose=purpose)
        send_now()
        row.refresh_from_db()
        assert row.status == OutboundMessage.Status.SENT
        return row

    return send


def dsn_for(message: OutboundMessage, kind: tuple[str, str] = HARD) -> bytes:
    """A delivery-status report on ``message``, sent to its VERP return path."""
    status, diagnostic = kind
    return DSN.format(
        to=return_path(message.token),
        address=message.to_address,
        status=status,
        diagnostic=diagnostic.format(address=message.to_address),
        message_id=message.message_id,
        subject=message.subject,
    ).encode()


def unsubscribe_mail(message: OutboundMessage) -> tuple[bytes, str]:
    """A person's mail to the List-Unsubscribe mailto of ``message``, and its recipient."""
    to = unsubscribe_address(message.token)
    raw = f"From: {message.to_address}\nTo: {to}\nSubject: unsubscribe\n\nunsubscribe\n"
    return raw.encode(), to


@pytest.fixture
def make_subscriber(make_person: Callable[..., Any]) -> Callable[..., Any]:
    """A verified person who opted in to the newsletter, as the sign-up form records it."""
    from pledge.policy.consent import record_consent

    def make(email: str) -> Any:
        person = make_person(email)
        record_consent(
            person,
            "newsletter",
            granted=True,
            via="form",
            collection_point="mailing_lists",
            site="contactgenie",
        )
        return person

    return make


@pytest.fixture
def make_campaign(policy: Any) -> Callable[..., Any]:
    """A draft campaign to the news list, saved through ``save_campaign``."""
    from pledge.campaigns.models import Campaign
    from pledge.campaigns.sending import save_campaign

    def make(name: str) -> Campaign:
        campaign = Campaign(
            name=name,
            site="contactgenie",
            list_key="news",
            subject="News for {{ first_name }}",
            body_text="Hello {{ first_name }},\n\nContactGenie 9 is out.",
            body_html="",
        )
        campaign.full_clean()
        save_campaign(campaign, by=None)
        return campaign

    return make
