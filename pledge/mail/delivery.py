"""Delivering the outbox: claim due messages, ask the gate again, send, record.

A pass claims a batch of due rows with a lease, by a conditional UPDATE that only
changes rows still due; the worker goes on only with the rows that UPDATE changed.
That holds on SQLite, where ``select_for_update`` does nothing; on PostgreSQL the
candidates are picked with ``FOR UPDATE SKIP LOCKED`` so workers do not queue up
behind each other's rows.

Each claimed row is checked against the gate at the moment of sending (C9, C10,
C22) and marked sent only after the server accepted it. A worker that dies leaves
its rows leased; when the lease expires another worker takes them and sends them
again with the same Message-ID. So nothing is lost, and the only duplicate
possible is a message the server accepted just before the worker died, which the
recipient's mail program can recognise by its Message-ID.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from pledge.policy import gate
from pledge.policy.audit import record_audit
from pledge.policy.loaded import configured_declaration

from . import transport
from .models import MessageEvent, OutboundMessage
from .outbox import site_base_url

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
Kind = MessageEvent.Kind


@dataclass(frozen=True)
class Delivery:
    """What became of one claimed message in a pass."""

    message: int
    outcome: str  # a MessageEvent kind, or "skipped" when the lease was lost
    detail: str


@dataclass
class Pass:
    """The result of one ``deliver_due`` call."""

    deliveries: list[Delivery] = field(default_factory=list)
    # Why the pass stopped early because no SMTP session could be opened.
    unavailable: str = ""


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _due(now: datetime) -> Q:
    return Q(status=Status.QUEUED, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, lease_until__lt=now
    )


def claim_due(*, limit: int, worker_id: str) -> tuple[str, list[OutboundMessage]]:
    """Lease up to ``limit`` due messages to this worker; return the claim and the rows.

    A claim name is unique per call, so the rows this call's UPDATE changed are
    exactly the rows leased under it; a row another worker took first is not.
    """
    now = timezone.now()
    claim = f"{worker_id[:55]}/{secrets.token_hex(4)}"
    with transaction.atomic():
        # SQLite ignores FOR UPDATE; the conditional UPDATE below is what holds there.
        picked = list(
            OutboundMessage.objects.filter(_due(now))
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not picked:
            return claim, []
        OutboundMessage.objects.filter(_due(now), pk__in=picked).update(
            status=Status.SENDING,
            leased_by=claim,
            lease_until=now + timedelta(seconds=settings.MAIL_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    rows = (
        OutboundMessage.objects.filter(pk__in=picked, leased_by=claim)
        .select_related("person__collected_under")
        .order_by("next_attempt_at", "pk")
    )
    return claim, list(rows)


def deliver_due(
    *,
    limit: int | None = None,
    worker_id: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Pass:
    """Deliver the messages that are due now, in one pass over one SMTP session.

    ``should_stop`` is asked between messages: when it says yes the message in hand
    has been finished and the rest of the batch goes back to the queue untried.
    """
    claim, rows = claim_due(
        limit=limit or settings.MAIL_BATCH_SIZE, worker_id=worker_id or default_worker_id()
    )
    result = Pass()
    if not rows:
        return result
    with transport.Connection() as connection:
        for index, row in enumerate(rows):
            if should_stop():
                release(rows[index:], claim)
                break
            try:
                result.deliveries.append(_deliver_one(row, claim, connection))
            except transport.SMTPUnavailable as exc:
                release(rows[index:], claim)
                result.unavailable = str(exc)
                logger.warning("%s; %d message(s) back in the queue", exc, len(rows) - index)
                break
    return result


def _deliver_one(row: OutboundMessage, claim: str, connection: transport.Connection) -> Delivery:
    if not _renew(row, claim):
        logger.warning("message %s: lease lost to another worker, not sent", row.pk)
        return Delivery(row.pk, "skipped", "lease lost to another worker")
    # The gate's answer must be about the person as they are now, not at claim time.
    person = row.person
    person.refresh_from_db(
        fields=[
            "status",
            "contact_opt_out_at",
            "mail_stopped_address",
            "mail_stopped_at",
            "mail_stopped_until",
        ]
    )
    decision = gate.allows(person, row.purpose, scope=row.scope, address=row.to_address)
    if not decision:
        return refuse(row, claim, decision.reason)
    if not row.to_address:
        return refuse(row, claim, "the person has no email address")
    if row.attempts > settings.MAIL_MAX_ATTEMPTS:
        # Claimed again and again without an answer: its worker died each time.
        return fail(row, claim, f"gave up after {row.attempts - 1} attempts")
    try:
        envelope = transport.build(
            row, site_name=_site_name(row.site), mailing_list=_mailing_list(row)
        )
    except Exception as exc:  # a row that cannot be built is set aside, not retried
        return fail(row, claim, f"cannot build the message: {exc}")
    reply = connection.send(envelope)
    if reply.outcome == transport.ACCEPTED:
        return mark_sent(row, claim, reply)
    if reply.outcome == transport.PERMANENT:
        return fail(row, claim, str(reply), code=reply.code)
    if row.attempts >= settings.MAIL_MAX_ATTEMPTS:
        return fail(row, claim, f"gave up after {row.attempts} attempts: {reply}", code=reply.code)
    return defer(row, claim, reply)


def _site_name(site_key: str) -> str:
    site = configured_declaration().sites.get(site_key)
    name: str = site["name"] if site else configured_declaration().data["organisation"]["name"]
    return name


def _mailing_list(row: OutboundMessage) -> transport.MailingList | None:
    """The list a row was written for, for its List-* headers (C16); None if none."""
    if not row.list_key:
        return None
    declared = configured_declaration().data["lists"].get(row.list_key, {})
    return transport.MailingList(
        key=row.list_key,
        label=declared.get("label", row.list_key),
        scope=row.scope,
        message_token=row.token,
        unsubscribe_url=site_base_url(row.site)
        + reverse("lists:unsubscribe", args=[row.unsubscribe_token]),
    )


def _renew(row: OutboundMessage, claim: str) -> bool:
    """Extend this worker's lease on the row; False if another worker holds it now."""
    lease_until = timezone.now() + timedelta(seconds=settings.MAIL_LEASE_SECONDS)
    held = OutboundMessage.objects.filter(pk=row.pk, status=Status.SENDING, leased_by=claim)
    return held.update(lease_until=lease_until) == 1


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next try: doubling from the base, capped."""
    seconds = settings.MAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.MAIL_RETRY_MAX_SECONDS))


def _settle(
    row: OutboundMessage,
    claim: str,
    *,
    kind: str,
    detail: str,
    audit_reason: str,
    now: datetime,
    **changes: Any,
) -> Delivery:
    """Record the outcome of one attempt: the row, its event and the audit row.

    Only the lease holder may record it: the UPDATE is conditional on the claim,
    so a worker that lost its lease changes nothing.
    """
    with transaction.atomic():
        held = OutboundMessage.objects.filter(pk=row.pk, status=Status.SENDING, leased_by=claim)
        if not held.update(lease_until=None, leased_by="", **changes):
            logger.warning("message %s: lease lost before its outcome was recorded", row.pk)
            return Delivery(row.pk, "skipped", "lease lost before the outcome was recorded")
        MessageEvent.objects.create(
            message_id=row.pk, kind=kind, at=now, attempt=row.attempts, detail=detail[:500]
        )
        record_audit(
            f"mail.{kind}",
            subject_id=row.person_id,
            reason=audit_reason[:255],
            detail={
                "message": row.pk,
                "purpose": row.purpose,
                "template": row.template,
                "attempt": row.attempts,
            },
        )
    # One line per message; the person by number only, never the address (C7).
    logger.info(
        "message %s to #%s (%s, %s) attempt %s: %s %s",
        row.pk,
        row.person_id,
        row.purpose,
        row.template,
        row.attempts,
        kind,
        detail,
    )
    return Delivery(row.pk, kind, detail)


def mark_sent(row: OutboundMessage, claim: str, reply: transport.Reply) -> Delivery:
    """The server accepted the message: it is sent."""
    now = timezone.now()
    return _settle(
        row,
        claim,
        kind=Kind.SENT,
        detail=str(reply),
        audit_reason=f"{row.purpose}: accepted by the mail server",
        now=now,
        status=Status.SENT,
        sent_at=now,
        last_error="",
    )


def refuse(row: OutboundMessage, claim: str, reason: str) -> Delivery:
    """The gate says no at the moment of sending: the message is not sent, ever."""
    return _settle(
        row,
        claim,
        kind=Kind.REFUSED,
        detail=reason,
        audit_reason=f"{row.purpose}: {reason}",
        now=timezone.now(),
        status=Status.REFUSED,
        reason=reason[:255],
    )


def defer(row: OutboundMessage, claim: str, reply: transport.Reply) -> Delivery:
    """A temporary failure: back to the queue, to be tried again after a growing wait."""
    now = timezone.now()
    return _settle(
        row,
        claim,
        kind=Kind.DEFERRED,
        detail=str(reply),
        # The server's text may quote the address: the audit keeps only its code.
        audit_reason=f"{row.purpose}: temporary failure {reply.code}",
        now=now,
        status=Status.QUEUED,
        next_attempt_at=now + retry_delay(row.attempts),
        last_error=str(reply)[:500],
    )


def fail(row: OutboundMessage, claim: str, detail: str, *, code: int = 0) -> Delivery:
    """A permanent failure, or too many temporary ones: the message is given up."""
    return _settle(
        row,
        claim,
        kind=Kind.FAILED,
        detail=detail,
        audit_reason=f"{row.purpose}: failed permanently{f' {code}' if code else ''}",
        now=timezone.now(),
        status=Status.FAILED,
        reason="the mail could not be delivered",
        last_error=detail[:500],
    )


def release(rows: Sequence[OutboundMessage], claim: str) -> int:
    """Hand claimed rows back to the queue untried, as if never claimed.

    Lease bookkeeping, not a change in what happened to the message: no event and
    no audit row.
    """
    return OutboundMessage.objects.filter(
        pk__in=[row.pk for row in rows], status=Status.SENDING, leased_by=claim
    ).update(status=Status.QUEUED, leased_by="", lease_until=None, attempts=F("attempts") - 1)
