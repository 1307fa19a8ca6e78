"""C11, C10 end to end: mail in through the inbound store and classifier, replies out over SMTP.

The customer's mail reaches support through the inbound helper's door
(``pledge.mail.inbound.intake.receive``, as ``pledge mail receive`` calls it, and
the LMTP listener of ``pledge mail serve``); our mail leaves through the worker
to an aiosmtpd sink. Automatic answers to our acknowledgement are classified
away from support and get nothing back.
"""

from __future__ import annotations

import smtplib  # noqa: TID251 - a real LMTP client, as the mail server is
from email.message import EmailMessage
from typing import Any

import pytest

from pledge.mail.delivery import deliver_due
from pledge.mail.inbound.intake import receive
from pledge.mail.inbound.models import InboundMessage
from pledge.support.models import Ticket, TicketMessage

from .conftest import SUPPORT, customer_mail, settled


def _deliver_in(message: EmailMessage, *, mail_from: str = "ada@example.com") -> InboundMessage:
    row, created = receive(
        message.as_bytes(), mail_from=mail_from, recipients=[SUPPORT], via="pipe"
    )
    assert created
    row.refresh_from_db()
    return row


def test_an_auto_reply_to_our_acknowledgement_gets_nothing_back(
    policy: Any, smtp_sink: Any
) -> None:
    row = _deliver_in(customer_mail())
    deliver_due()
    [ack] = [m.message for m in smtp_sink.messages]
    ticket = Ticket.objects.get()
    assert (row.kind, row.action) == (
        "support",
        f"support: opened {ticket.reference}; acknowledged",
    )
    assert ack["Auto-Submitted"] == "auto-replied"

    vacation = EmailMessage()
    vacation["From"] = "Ada Lovelace <ada@example.com>"
    vacation["To"] = SUPPORT
    vacation["Subject"] = f"Out of office: {ack['Subject']}"
    vacation["In-Reply-To"] = ack["Message-ID"]
    vacation["Auto-Submitted"] = "auto-replied"
    vacation.set_content("I am away until Monday and will read your mail then.\n")
    away = _deliver_in(vacation)
    deliver_due()

    assert away.kind == "auto-reply"
    assert TicketMessage.objects.filter(direction="in").count() == 1
    assert len(smtp_sink.messages) == 1


def test_a_challenge_to_our_acknowledgement_is_never_answered(policy: Any, smtp_sink: Any) -> None:
    _deliver_in(customer_mail())
    deliver_due()
    ack = smtp_sink.messages[0].message

    challenge = EmailMessage()
    challenge["From"] = "Boxbe <notification@boxbe.com>"
    challenge["To"] = SUPPORT
    challenge["Subject"] = f"Request to verify: {ack['Subject']}"
    challenge["X-Boxbe-Verification"] = "pending"
    challenge.set_content(
        "Ada Lovelace uses Boxbe. To verify you are human, click the link below to verify.\n"
    )
    row = _deliver_in(challenge, mail_from="notification@boxbe.com")
    deliver_due()

    assert row.kind == "challenge-response"
    assert Ticket.objects.count() == 1
    assert len(smtp_sink.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_mail_over_lmtp_opens_a_ticket_and_the_answer_threads(
    policy: Any, smtp_sink: Any, lmtp_listener: Any
) -> None:
    question = customer_mail(subject="Upgrade price?")
    with smtplib.LMTP("127.0.0.1", lmtp_listener.port) as lmtp:
        lmtp.sendmail("ada@example.com", [SUPPORT], question.as_bytes())
    settled(lmtp_listener)
    deliver_due()
    ack = smtp_sink.messages[-1].message
    answer = customer_mail(
        subject=f"Re: {ack['Subject']}",
        text="And for the Network Edition?\n",
        in_reply_to=ack["Message-ID"],
        references=f"{ack['References']} {ack['Message-ID']}",
    )
    with smtplib.LMTP("127.0.0.1", lmtp_listener.port) as lmtp:
        lmtp.sendmail("ada@example.com", [SUPPORT], answer.as_bytes())
    settled(lmtp_listener)

    ticket = Ticket.objects.get()
    assert [m.kind for m in ticket.messages.all()] == ["mail", "acknowledgement", "mail"]
    assert ticket.state == Ticket.State.WAITING_ON_US


def test_customer_service_opens_the_mail_as_received_from_the_ticket(
    policy: Any, client: Any
) -> None:
    from django.utils import timezone

    from pledge.people.models import Person
    from pledge.staff.roles import assign_role

    row = _deliver_in(customer_mail())
    agent = Person.objects.create_user(
        "desk@claxton.localhost",
        "desk password 2026",
        point="staff",
        email_verified_at=timezone.now(),
    )
    assign_role(agent, "customer_service", by=None)
    client.force_login(agent)
    ticket = Ticket.objects.get()

    html = client.get(f"/staff/support/ticket/{ticket.pk}/change/").content.decode()

    link = f'href="/staff/mail/inboundmessage/{row.pk}/change/">the mail as received</a>'
    assert link in html
    assert client.get(f"/staff/mail/inboundmessage/{row.pk}/change/").status_code == 200
