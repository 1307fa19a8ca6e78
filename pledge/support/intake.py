"""Mail to the support address becomes a ticket, or continues one (C11).

The inbound dispatcher (``pledge.mail.inbound``) calls ``receive`` with every
stored message addressed to support that is not automatic mail; ``take_in`` does
the work on the parsed message, so tests and tools can hand it a message
directly. One transaction per mail: the ticket, its message, the attachments'
rows, the acknowledgement's outbox row and the audit row commit together or not
at all, and a mail taken in twice (the same inbound row, or the same Message-ID
from the same sender) is recorded once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from pledge.policy.audit import record_audit
from pledge.policy.collect import stamp
from pledge.policy.loaded import configured_declaration

from .acknowledgement import acknowledge
from .attachments import keep_attachments
from .models import POINT, Attachment, Ticket, TicketMessage
from .quoting import quote_start
from .reading import body_text, header, is_valid_address, sender
from .threads import find_ticket, message_ids

SUBJECT_LIMIT = 255


@dataclass(frozen=True)
class Intake:
    """What became of one mail: its ticket and message, and what was done, in words."""

    ticket: Ticket
    message: TicketMessage
    opened: bool
    summary: str


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)  # policy.default makes EmailMessage
    return message


def receive(inbound: Any) -> str:
    """The dispatcher's entry: take in one stored inbound message; say what was done."""
    message = parse(bytes(inbound.raw))
    result = take_in(
        message,
        inbound_id=inbound.pk,
        envelope_sender=getattr(inbound, "mail_from", None),
        received_at=getattr(inbound, "received_at", None),
    )
    return result.summary


def requester_for(address: str, name: str, site: str) -> Any:
    """The person whose address wrote; an unknown address becomes one, with no password.

    Every mail we send names a person for the gate and carries their link to
    manage their data (C21), so an address we answer must be a person's. None if
    the address cannot be answered at all.
    """
    if not is_valid_address(address):
        return None
    people = get_user_model()._default_manager
    person = people.filter(email__iexact=address).first()
    if person is not None:
        return person
    try:
        with transaction.atomic():
            return people.create_user(address, None, point=POINT, name=name[:150], site=site)
    except IntegrityError:  # the same address, taken in at the same moment elsewhere
        return people.get(email__iexact=address)


def _site_for(person: Any) -> str:
    sites = configured_declaration().sites
    site = getattr(person, "site", "")
    return site if site in sites else next(iter(sites))


def _new_reference() -> str:
    prefix = settings.SUPPORT_REFERENCE_PREFIX
    for digits in (5, 5, 5, 6, 6, 7, 8):
        low = 10 ** (digits - 1)
        reference = f"{prefix}-{low + secrets.randbelow(9 * low)}"
        if not Ticket.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("no free ticket reference")  # pragma: no cover - 10**8 taken


def open_ticket(*, subject: str, address: str, name: str, at: datetime) -> Ticket:
    """A new ticket for the sender, stamped with the policy in force (C22)."""
    person = requester_for(address, name, next(iter(configured_declaration().sites)))
    ticket = Ticket(
        reference=_new_reference(),
        subject=subject[:SUBJECT_LIMIT],
        person=person,
        requester_email=address[:254],
        requester_name=name[:150],
        site=_site_for(person),
        state=Ticket.State.NEW,
        opened_at=at,
        updated_at=at,
    )
    stamp(ticket, POINT)
    ticket.save()
    return ticket


def _already_in(inbound_id: int | None, message_id: str, address: str) -> TicketMessage | None:
    if inbound_id is not None:
        found = TicketMessage.objects.filter(inbound_id=inbound_id).first()
        if found is not None:
            return found
    if message_id:
        return TicketMessage.objects.filter(
            direction=TicketMessage.Direction.IN, message_id=message_id, sender=address
        ).first()
    return None


def take_in(
    message: Message,
    *,
    inbound_id: int | None = None,
    envelope_sender: str | None = None,
    received_at: datetime | None = None,
) -> Intake:
    """Thread ``message`` into its ticket or open one; acknowledge a new one once."""
    name, address = sender(message)
    address = address or header(message, "From")[:254]
    ids = message_ids(header(message, "Message-ID"))
    message_id = ids[0] if ids else ""
    subject = header(message, "Subject")
    at = received_at or timezone.now()
    kept: list[Attachment] = []
    try:
        return _take_in(
            message,
            kept,
            inbound_id=inbound_id,
            envelope_sender=envelope_sender,
            at=at,
            author=(name, address),
            message_id=message_id,
            subject=subject,
        )
    except BaseException:
        # The rows are gone with the transaction: their files must not stay behind.
        # (Files of a transaction rolled back further out are swept by the retention job.)
        for attachment in kept:
            if attachment.file:
                attachment.file.storage.delete(attachment.file.name)
        raise


def _take_in(
    message: Message,
    kept: list[Attachment],
    *,
    inbound_id: int | None,
    envelope_sender: str | None,
    at: datetime,
    author: tuple[str, str],
    message_id: str,
    subject: str,
) -> Intake:
    name, address = author
    with transaction.atomic():
        earlier = _already_in(inbound_id, message_id, address)
        if earlier is not None:
            return Intake(earlier.ticket, earlier, False, f"already in {earlier.ticket.reference}")
        ticket = find_ticket(
            in_reply_to=header(message, "In-Reply-To"),
            references=header(message, "References"),
            subject=subject,
            sender=address,
        )
        opened = ticket is None
        if ticket is None:
            ticket = open_ticket(subject=subject, address=address, name=name, at=at)
        else:
            _customer_wrote(ticket, at)
        text = body_text(message)
        entry = TicketMessage.objects.create(
            ticket=ticket,
            direction=TicketMessage.Direction.IN,
            kind=TicketMessage.Kind.MAIL,
            sender=address,
            at=at,
            message_id=message_id[:255],
            in_reply_to=" ".join(message_ids(header(message, "In-Reply-To")))[:255],
            references=" ".join(message_ids(header(message, "References"))),
            body_text=text,
            quoted_from=quote_start(text),
            inbound_id=inbound_id,
        )
        body = _body_part(message)
        files = keep_attachments(message, body, entry, kept=kept)
        done = [f"opened {ticket.reference}" if opened else f"added to {ticket.reference}"]
        if files:
            refused = sum(1 for f in files if f.refused)
            done.append(f"{len(files)} attachment(s), {refused} refused")
        if opened:
            done.append(acknowledge(ticket, entry, message, envelope_sender=envelope_sender))
        record_audit(
            "support.mail_in",
            subject_id=ticket.person_id,
            categories=["user.contact.email", "user.name", "user.content.private"],
            reason=f"a mail to support: {done[0]}",
            detail={"ticket": ticket.reference, "message": entry.pk, "inbound": inbound_id},
        )
    return Intake(ticket, entry, opened, "; ".join(done))


def _body_part(message: Message) -> Message | None:
    if not isinstance(message, EmailMessage):
        return message
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, IndexError):
        return None


def _customer_wrote(ticket: Ticket, at: datetime) -> None:
    """The customer answered: the ball is in our court again, a closed ticket reopens."""
    ticket.state = Ticket.State.WAITING_ON_US
    ticket.closed_at = None
    ticket.updated_at = at
    ticket.save(update_fields=["state", "closed_at", "updated_at"])
