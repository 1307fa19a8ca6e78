"""What customer service does with a ticket: reply, assign, change its state (C11).

Each action checks, acts and writes its audit row in one transaction. A reply
leaves through the outbox from the support address, threaded under the mail it
answers (In-Reply-To, References) with the ticket reference in its subject, so
the customer's answer comes back to the same ticket.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from pledge.mail.outbox import ReplyHeaders, enqueue
from pledge.mail.transport import NOT_AUTOMATIC
from pledge.policy.audit import record_audit
from pledge.staff.roles import roles_of

from .acknowledgement import PURPOSE
from .models import Ticket, TicketMessage
from .reading import support_address
from .threads import reference_in, references_after

SUPPORT_ROLES = ("customer_service", "administrator")
CONTENT = ["user.contact.email", "user.name", "user.content.private"]


class TicketRefused(ValueError):
    """A ticket action that cannot be done; the message says why, for the form."""


def reply_subject(ticket: Ticket) -> str:
    """``Re: <subject> [CG-12345]``: the reference finds the ticket if headers are lost."""
    subject = ticket.subject or "Your question"
    if reference_in(subject) != ticket.reference:
        subject = f"{subject} [{ticket.reference}]"
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return subject


def answered(ticket: Ticket) -> TicketMessage | None:
    """The mail a reply answers: the customer's latest, else the latest with an id."""
    mails = ticket.messages.exclude(message_id="").order_by("-at", "-id")
    return mails.filter(direction=TicketMessage.Direction.IN).first() or mails.first()


def reply(ticket: Ticket, text: str, *, by: Any) -> TicketMessage:
    """Send the customer ``text`` as a reply on ``ticket``; it waits on them after."""
    text = text.strip()
    if not text:
        raise TicketRefused("Write the reply before sending it.")
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("person")
            .get(pk=ticket.pk)
        )
        if ticket.person is None:
            raise TicketRefused(
                f"{ticket.requester_email!r} is not an address we can write to; "
                "this ticket cannot be answered by mail."
            )
        parent = answered(ticket)
        row = enqueue(
            person=ticket.person,
            purpose=PURPOSE,
            template="support/reply",
            site=ticket.site,
            context={
                "ticket": ticket,
                "subject": reply_subject(ticket),
                "text": text,
                "parent": parent if parent and parent.direction == "in" else None,
            },
            reply=ReplyHeaders(
                from_address=support_address(),
                in_reply_to=parent.message_id if parent else "",
                references=references_after(parent),
                auto_submitted=NOT_AUTOMATIC,
            ),
        )
        now = timezone.now()
        entry = TicketMessage.objects.create(
            ticket=ticket,
            direction=TicketMessage.Direction.OUT,
            kind=TicketMessage.Kind.REPLY,
            sender=support_address(),
            author=by,
            at=now,
            message_id=row.message_id,
            in_reply_to=row.in_reply_to,
            references=row.references,
            body_text=text,
            outbound=row,
        )
        old = ticket.state
        ticket.state = Ticket.State.WAITING_ON_CUSTOMER
        ticket.closed_at = None
        ticket.updated_at = now
        ticket.save(update_fields=["state", "closed_at", "updated_at"])
        record_audit(
            "support.reply",
            actor=by,
            subject_id=ticket.person_id,
            categories=CONTENT,
            reason=f"a reply on {ticket.reference}",
            detail={
                "ticket": ticket.reference,
                "message": row.pk,
                "status": row.status,
                "state": [old, ticket.state],
            },
        )
    return entry


def set_state(ticket: Ticket, state: str, *, by: Any) -> bool:
    """Move ``ticket`` to ``state`` (closing it stamps the time). False if it was there."""
    if state not in Ticket.State.values:
        raise TicketRefused(f"{state!r} is not a ticket state")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        old = ticket.state
        if old == state:
            return False
        now = timezone.now()
        ticket.state = state
        ticket.closed_at = now if state == Ticket.State.CLOSED else None
        ticket.updated_at = now
        ticket.save(update_fields=["state", "closed_at", "updated_at"])
        record_audit(
            "support.state",
            actor=by,
            subject_id=ticket.person_id,
            reason=f"{ticket.reference}: {old} → {state}",
            detail={"ticket": ticket.reference, "old": old, "new": state},
        )
    return True


def close(ticket: Ticket, *, by: Any) -> bool:
    return set_state(ticket, Ticket.State.CLOSED, by=by)


def assign(ticket: Ticket, staff_member: Any, *, by: Any) -> bool:
    """Give ``ticket`` to a member of customer service (None: to no one). False if unchanged."""
    if staff_member is not None and not set(roles_of(staff_member)) & set(SUPPORT_ROLES):
        raise TicketRefused("Tickets go only to staff in customer service.")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        old = ticket.assigned_to_id
        new = staff_member.pk if staff_member is not None else None
        if old == new:
            return False
        ticket.assigned_to = staff_member
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["assigned_to", "updated_at"])
        record_audit(
            "support.assign",
            actor=by,
            subject_id=ticket.person_id,
            reason=f"{ticket.reference} assigned to staff #{new}" if new else "unassigned",
            detail={"ticket": ticket.reference, "old": old, "new": new},
        )
    return True
