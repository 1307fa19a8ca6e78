"""Taking mail in: store the message exactly as received, then act on it.

``store`` is the one step that must succeed before the mail server is told "yes": it
writes the bytes and the envelope in one row, in one transaction, so a message is
either kept whole or not at all (then the mail server keeps it and retries). The row's
``digest`` (SHA-256 over envelope and bytes) is unique, so a retried delivery of a
message already kept is recognised and kept once.

``process`` comes after, in the same command, and again from the worker's periodic job
(``process_pending``) for any row not yet processed: a failure there loses nothing,
since the message is stored. Each row is processed in one transaction, with what was
done written on it, so it is done once. A row that fails ``MAX_ATTEMPTS`` times is set
aside with its error, for staff, instead of being retried in a loop.

Why the database and not files: one transaction holds bytes and row together (nothing
half-stored, no orphan file), several hosts share it without a shared disk, and a 25 MB
attachment (about 34 MB of base64) is well inside what both SQLite and PostgreSQL store
in one value. Pages that list messages defer the bytes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .classify import classify
from .models import InboundMessage
from .routing import act

logger = logging.getLogger("pledge.mail.inbound")

MAX_ATTEMPTS = 5
# The periodic job leaves the newest rows to the command that stored them.
GRACE = timedelta(seconds=60)


def text(value: str, limit: int) -> str:
    """A string for a text column: PostgreSQL refuses NUL characters, and mail has them."""
    return value.replace("\x00", "")[:limit]


class MessageTooLarge(ValueError):
    """A message over ``PLEDGE_INBOUND_MAX_BYTES``: refused whole, never cut short."""

    def __init__(self, size: int, limit: int):
        self.size = size
        self.limit = limit
        super().__init__(f"message of {size} bytes is over the limit of {limit} bytes")


def envelope_digest(raw: bytes, mail_from: str, recipients: Sequence[str]) -> str:
    """What names one delivery: the envelope and the bytes.

    A mail server that retries sends the same queued file with the same envelope, so the
    digest repeats; two different messages differ at least in their Received header
    (its queue id and time), which the server writes into the bytes.
    """
    envelope = "\n".join([mail_from.lower(), *sorted(r.lower() for r in recipients)])
    hasher = hashlib.sha256(envelope.encode("utf-8", "surrogateescape"))
    hasher.update(b"\0")
    hasher.update(raw)
    return hasher.hexdigest()


def store(
    raw: bytes, *, mail_from: str, recipients: Sequence[str], via: str
) -> tuple[InboundMessage, bool]:
    """Keep one message as received; (row, True) if new, (earlier row, False) if kept before.

    Raises the database's error when it cannot write: the caller answers "try again
    later" (75, 451) and the mail server keeps the message.
    """
    limit = settings.INBOUND_MAX_BYTES
    if len(raw) > limit:
        raise MessageTooLarge(len(raw), limit)
    digest = envelope_digest(raw, mail_from, recipients)
    earlier = InboundMessage.objects.defer("raw").filter(digest=digest).first()
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(
                digest=digest,
                raw=raw,
                size=len(raw),
                mail_from=text(mail_from, 512),
                recipients=[text(r, 512) for r in recipients],
                via=via,
                received_at=timezone.now(),
            )
    except IntegrityError:  # the same delivery, stored a moment ago by another process
        return InboundMessage.objects.defer("raw").get(digest=digest), False
    return row, True


def receive(
    raw: bytes, *, mail_from: str, recipients: Sequence[str], via: str
) -> tuple[InboundMessage, bool]:
    """Store one message, then process it; only a failure to store escapes.

    Once stored the message is safe, so an error while acting on it is logged and left
    to the periodic job, and the mail server is still told the message was taken.
    """
    row, created = store(raw, mail_from=mail_from, recipients=recipients, via=via)
    try:
        process(row.pk)
    except Exception:
        logger.exception("inbound #%s: stored, processing left to the worker", row.pk)
    return row, created


def process(pk: int) -> InboundMessage | None:
    """Classify one stored message and act on it, once; record what was done on the row."""
    try:
        with transaction.atomic():
            row = InboundMessage.objects.select_for_update().filter(pk=pk).first()
            if row is None or row.processed_at is not None:
                return row
            result = classify(bytes(row.raw), row.recipients)
            outcome = act(row, result)
            row.kind = outcome.kind
            row.reason = text(outcome.reason, 500)
            row.action = text(outcome.action, 500)
            row.outbound = outcome.outbound
            row.person = outcome.person
            row.processed_at = timezone.now()
            row.attempts += 1
            row.save(
                update_fields=[
                    "kind",
                    "reason",
                    "action",
                    "outbound",
                    "person",
                    "processed_at",
                    "attempts",
                ]
            )
        logger.info("inbound #%s: %s; %s", pk, outcome.kind, outcome.action)
        return row
    except Exception as error:
        _failed(pk, error)
        raise


def _failed(pk: int, error: Exception) -> None:
    """Count a failed attempt; at the limit set the row aside, kept, for staff."""
    detail = text(f"{type(error).__name__}: {error}", 500)
    with transaction.atomic():
        InboundMessage.objects.filter(pk=pk, processed_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=detail
        )
        InboundMessage.objects.filter(
            pk=pk, processed_at__isnull=True, attempts__gte=MAX_ATTEMPTS
        ).update(
            processed_at=timezone.now(),
            action=f"set aside after {MAX_ATTEMPTS} failed attempts; kept for staff",
        )


def process_pending(limit: int = 100) -> int:
    """The worker's periodic job: process rows the receiving command did not finish."""
    due = InboundMessage.objects.filter(
        processed_at__isnull=True, received_at__lte=timezone.now() - GRACE
    ).values_list("pk", flat=True)[:limit]
    done = 0
    for pk in list(due):
        try:
            process(pk)
            done += 1
        except Exception:
            logger.exception("inbound #%s: processing failed", pk)
    return done
