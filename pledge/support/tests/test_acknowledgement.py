"""C11, C10: one acknowledgement per new ticket, never to machines, never a loop."""

from __future__ import annotations

from typing import Any

import pytest

from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.support.intake import take_in
from pledge.support.models import Ticket, TicketMessage


def test_a_new_ticket_gets_one_acknowledgement_over_smtp(
    policy: Any, mail: Any, smtp_sink: Any
) -> None:
    first = take_in(mail(subject="Licence key lost"))
    take_in(mail(subject="Re: Licence key lost", in_reply_to=first.message.message_id))
    deliver_due()

    assert [m.rcpt_tos for m in smtp_sink.messages] == [["ada@example.com"]]
    sent = smtp_sink.messages[0].message
    reference = first.ticket.reference
    assert sent["Subject"] == f"Re: Licence key lost [{reference}]"
    assert sent["From"].addresses[0].addr_spec == "support@claxton.com"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"] == first.message.message_id
    assert sent["References"] == first.message.message_id
    assert reference in sent.get_body(("plain",)).get_content()
    row = OutboundMessage.objects.get()
    assert (row.purpose, row.status) == ("support", OutboundMessage.Status.SENT)
    assert first.summary == f"opened {reference}; acknowledged"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "list"}, "Precedence: list"),
        ({"List-Id": "<users.lists.example.org>"}, "a mailing list's mail (List-Id)"),
        ({"X-Autoreply": "yes"}, "an auto-reply (X-Autoreply)"),
        (
            {"X-Auto-Response-Suppress": "OOF, AutoReply"},
            "X-Auto-Response-Suppress: oof, autoreply",
        ),
    ],
)
def test_automatic_mail_lands_but_gets_no_acknowledgement(
    policy: Any, mail: Any, headers: dict[str, str], why: str
) -> None:
    result = take_in(mail(headers=headers))

    assert result.opened is True
    assert result.summary == f"opened {result.ticket.reference}; no acknowledgement: {why}"
    assert OutboundMessage.objects.count() == 0


def test_a_null_return_path_or_a_daemon_gets_no_acknowledgement(policy: Any, mail: Any) -> None:
    bounce = take_in(mail(), envelope_sender="<>")
    daemon = take_in(mail(sender="MAILER-DAEMON@mx.example.com"))
    ours = take_in(mail(sender="support@claxton.com"))

    assert bounce.summary.endswith("no acknowledgement: a null return path (<>)")
    assert daemon.summary.endswith("no acknowledgement: a machine's mailbox (mailer-daemon@)")
    assert ours.summary.endswith("no acknowledgement: our own mail")
    assert OutboundMessage.objects.count() == 0


def test_a_hundred_mails_from_one_sender_in_a_minute_get_one_acknowledgement(
    policy: Any, mail: Any, smtp_sink: Any
) -> None:
    for n in range(100):
        take_in(mail(sender="robot@responder.example", subject=f"Question number {n}"))
    deliver_due(limit=200)

    assert Ticket.objects.count() == 100
    assert TicketMessage.objects.filter(kind="acknowledgement").count() == 1
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["robot@responder.example"]]


def test_after_the_window_a_sender_is_acknowledged_again(
    policy: Any, mail: Any, settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    first = take_in(mail(subject="One"))
    ack = first.ticket.messages.get(kind="acknowledgement")
    TicketMessage.objects.filter(pk=ack.pk).update(
        at=timezone.now() - timedelta(seconds=settings.SUPPORT_ACK_WINDOW_SECONDS + 1)
    )

    second = take_in(mail(subject="Two"))

    assert second.summary == f"opened {second.ticket.reference}; acknowledged"
    assert OutboundMessage.objects.count() == 2


def test_two_responders_answering_each_other_stop_at_one_acknowledgement(
    policy: Any, mail: Any, smtp_sink: Any
) -> None:
    """A responder that ignores Auto-Submitted answers every acknowledgement it gets.

    Its answers thread into the ticket (they reply to our mail) or open new
    tickets (it rewrites the subject): either way no second acknowledgement goes.
    """
    take_in(mail(sender="vacation@responder.example", subject="Out of office"))
    for round_ in range(5):
        deliver_due()
        ours = smtp_sink.messages[-1].message
        take_in(
            mail(
                sender="vacation@responder.example",
                subject=f"Out of office ({round_})",
                in_reply_to=ours["Message-ID"] if round_ % 2 else "",
            )
        )
    deliver_due()

    assert len(smtp_sink.messages) == 1
