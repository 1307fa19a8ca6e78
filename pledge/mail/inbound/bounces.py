"""Bounces: a hard one stops mail to the address at once, soft ones add up to a suspension.

A wrong "hard" would stop a person's mail for good, so the classifier calls every doubt
soft (``classify._is_hard``); soft bounces count only in a run: the messages to the
address, newest first, that each came back soft, within ``PLEDGE_BOUNCE_SOFT_WINDOW_DAYS``.
A message that went out and did not come back breaks the run, so the score recovers
after a successful delivery. ``PLEDGE_BOUNCE_SOFT_LIMIT`` in a run suspends the address for
``PLEDGE_BOUNCE_SUSPEND_DAYS``; after that mail is tried again, and one more soft bounce at
once suspends it again.

The state lives on the person (``mail_stopped_*``) and the gate reads it
(``policy.gate.MailStop``): every queued message to the address is refused at send time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from pledge.mail.models import OutboundMessage
from pledge.policy.audit import record_audit

from .classify import Classification
from .models import Bounce, InboundMessage


def record_bounce(inbound: InboundMessage, result: Classification, message: OutboundMessage) -> str:
    """Record a bounce of our ``message`` and stop or count mail to its address; say what."""
    now = timezone.now()
    hard = result.kind == "bounce-hard"
    address = message.to_address.lower()
    Bounce.objects.get_or_create(
        inbound=inbound,
        message=message,
        defaults={
            "person": message.person,
            "address": address,
            "kind": Bounce.Kind.HARD if hard else Bounce.Kind.SOFT,
            "status": result.status[:16],
            "detail": result.reason.replace("\x00", "")[:500],
            "at": now,
        },
    )
    if hard:
        reason = f"hard bounce {result.status or ''}: {result.reason}".replace("  ", " ")
        return _stop(message.person, address, now, until=None, reason=reason)
    run = soft_run(message, now)
    limit = settings.BOUNCE_SOFT_LIMIT
    if run < limit:
        return f"soft bounce counted: {run} of {limit} in a row"
    until = now + timedelta(days=settings.BOUNCE_SUSPEND_DAYS)
    reason = f"{run} soft bounces in a row, the last: {result.reason}"
    return _stop(message.person, address, now, until=until, reason=reason)


def soft_run(message: OutboundMessage, now: datetime) -> int:
    """How many messages to the address, back from ``message``, came back soft in a row."""
    since = now - timedelta(days=settings.BOUNCE_SOFT_WINDOW_DAYS)
    sent_before = message.sent_at or now
    earlier = list(
        OutboundMessage.objects.filter(
            person_id=message.person_id,
            to_address__iexact=message.to_address,
            status=OutboundMessage.Status.SENT,
            sent_at__gte=since,
            sent_at__lte=sent_before,
        )
        .exclude(pk=message.pk)
        .order_by("-sent_at", "-pk")
        .values_list("pk", flat=True)[: settings.BOUNCE_SOFT_LIMIT * 4]
    )
    bounced = set(
        Bounce.objects.filter(message_id__in=earlier, kind=Bounce.Kind.SOFT).values_list(
            "message_id", flat=True
        )
    )
    run = 1  # this message
    for pk in earlier:
        if pk not in bounced:
            break  # delivered: the score starts again after it
        run += 1
    return run


def _stop(person: Any, address: str, now: datetime, *, until: datetime | None, reason: str) -> str:
    """Stop mail to the person's address, for good or until a date; audited."""
    people = get_user_model()._default_manager
    person = people.select_for_update().get(pk=person.pk)
    if (person.email or "").lower() != address:
        return f"the address is no longer the person's own; nothing changed ({reason})"
    if person.mail_stopped_at is not None and person.mail_stopped_address == address:
        if person.mail_stopped_until is None:
            return "mail to the address was already stopped by a hard bounce"
        if until is not None and person.mail_stopped_until >= until:
            return "the address was already suspended"
    person.mail_stopped_address = address
    person.mail_stopped_at = now
    person.mail_stopped_until = until
    person.mail_stopped_reason = reason.replace("\x00", "")[:255]
    person.save(
        update_fields=[
            "mail_stopped_address",
            "mail_stopped_at",
            "mail_stopped_until",
            "mail_stopped_reason",
        ]
    )
    action = "mail.bounce_stop" if until is None else "mail.bounce_suspend"
    record_audit(
        action,
        subject_id=person.pk,
        categories=["user.contact.email"],
        reason=reason,
        detail={"until": until.isoformat() if until else None},
    )
    if until is None:
        return "hard bounce: all mail to the address stopped"
    return f"soft bounces: the address suspended until {until:%Y-%m-%d}"
