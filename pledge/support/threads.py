"""Which conversation a mail belongs to (C11).

By its headers first (RFC 5322): In-Reply-To and References name earlier mails,
ours or the customer's, and any one of them we hold finds the ticket. Mail
programs that drop those headers keep the subject, so the ticket reference we put
in every subject ("[CG-12345]") is the fallback, but only for mail from the
ticket's own requester: a reference is short enough to guess, and a stranger must
not be able to write into someone else's conversation. Anything else opens a new
ticket.
"""

from __future__ import annotations

import re

from django.conf import settings

from .models import Ticket, TicketMessage

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Beyond this many ids a References header says nothing more that we need.
REFERENCES_KEPT = 20


def message_ids(value: str | None) -> list[str]:
    """The ``<id@host>`` tokens of a header, in order."""
    return MESSAGE_ID.findall(str(value or ""))


def reference_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.SUPPORT_REFERENCE_PREFIX)
    return re.compile(rf"\[({prefix}-\d+)\]", re.IGNORECASE)


def reference_in(subject: str) -> str:
    """The ticket reference a subject carries in brackets, upper-cased, or ""."""
    match = reference_pattern().search(subject or "")
    return match.group(1).upper() if match else ""


def find_ticket(*, in_reply_to: str, references: str, subject: str, sender: str) -> Ticket | None:
    """The ticket a mail continues, or None when it opens a new one."""
    ids = message_ids(in_reply_to) + list(reversed(message_ids(references)))
    if ids:
        known = (
            TicketMessage.objects.filter(message_id__in=ids)
            .exclude(message_id="")
            .select_related("ticket")
        )
        by_id = {m.message_id: m.ticket for m in known}
        for mid in ids:  # the nearest parent first
            if mid in by_id:
                return by_id[mid]
    reference = reference_in(subject)
    if reference and sender:
        return Ticket.objects.filter(reference=reference, requester_email__iexact=sender).first()
    return None


def references_after(parent: TicketMessage | None) -> str:
    """The References header of a reply to ``parent``: its References, then its id."""
    if parent is None or not parent.message_id:
        return ""
    ids = message_ids(parent.references) or message_ids(parent.in_reply_to)
    ids = [*ids, parent.message_id][-REFERENCES_KEPT:]
    return " ".join(ids)
