"""The one acknowledgement a customer gets when their mail opens a ticket (C11, C10).

It says the ticket's reference and that a person will answer; it goes through the
outbox as a transactional mail for the ``support`` purpose, from the support
address, marked ``Auto-Submitted: auto-replied`` (RFC 3834) so that well-behaved
responders do not answer it. It is never sent to automatic mail (``reading.automatic``),
and a sender gets at most one per ``PLEDGE_SUPPORT_ACK_WINDOW_SECONDS``, so two
auto-responders that ignore the headers still cannot loop: a hundred mails from
one sender in a minute get one acknowledgement.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import Message
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from pledge.mail.outbox import ReplyHeaders, enqueue
from pledge.mail.transport import AUTO_REPLIED

from .models import Ticket, TicketMessage
from .reading import automatic, support_address
from .threads import references_after

PURPOSE = "support"


def recent_acknowledgement(person: Any) -> TicketMessage | None:
    """The acknowledgement this person got within the window, if any."""
    since = timezone.now() - timedelta(seconds=settings.SUPPORT_ACK_WINDOW_SECONDS)
    return (
        TicketMessage.objects.filter(
            ticket__person=person, kind=TicketMessage.Kind.ACKNOWLEDGEMENT, at__gte=since
        )
        .order_by("-at")
        .first()
    )


def acknowledge(
    ticket: Ticket, first: TicketMessage, message: Message, *, envelope_sender: str | None
) -> str:
    """Acknowledge a new ticket unless the rules say no; return what was done.

    Runs in the intake's transaction. The person's row is locked first, so two
    mails from one sender taken in at once cannot both see "none sent yet".
    """
    why_not = automatic(message, envelope_sender=envelope_sender)
    if why_not:
        return f"no acknowledgement: {why_not}"
    if ticket.person is None:
        return "no acknowledgement: the sender's address cannot be answered"
    get_user_model()._default_manager.select_for_update().filter(pk=ticket.person.pk).first()
    earlier = recent_acknowledgement(ticket.person)
    if earlier is not None:
        return (
            f"no acknowledgement: one went to this sender at {earlier.at:%H:%M:%S} "
            f"({earlier.ticket.reference}), within {settings.SUPPORT_ACK_WINDOW_SECONDS} s"
        )
    row = enqueue(
        person=ticket.person,
        purpose=PURPOSE,
        template="support/acknowledgement",
        site=ticket.site,
        context={"ticket": ticket},
        reply=ReplyHeaders(
            from_address=support_address(),
            in_reply_to=first.message_id,
            references=references_after(first),
            auto_submitted=AUTO_REPLIED,
        ),
    )
    now = timezone.now()
    TicketMessage.objects.create(
        ticket=ticket,
        direction=TicketMessage.Direction.OUT,
        kind=TicketMessage.Kind.ACKNOWLEDGEMENT,
        sender=support_address(),
        at=now,
        message_id=row.message_id,
        in_reply_to=row.in_reply_to,
        references=row.references,
        body_text=row.body_text,
        outbound=row,
    )
    ticket.acknowledged_at = now
    ticket.save(update_fields=["acknowledged_at"])
    if row.status == row.Status.REFUSED:
        return f"acknowledgement refused by the gate: {row.reason}"
    return "acknowledged"
