"""Staff end a destination domain's wait: its mail is tried at the worker's next pass.

The worker backs a domain off when it answers a temporary failure (``delivery.back_off``)
and clears it when the domain accepts a message; this is the one change staff make by
hand, for a provider they know is taking mail again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from pledge.policy.audit import record_audit

from .models import DomainBackoff, OutboundMessage

TRY_NOW = "mail.domain.try_now"


@dataclass(frozen=True)
class DomainRetry:
    """What ending one domain's wait did."""

    domain: str
    was_until: datetime
    # The domain's queued messages, all due now.
    messages: int


def try_domain_now(backoff_id: int, *, by: Any) -> DomainRetry | None:
    """End the wait of the domain of backoff row ``backoff_id``; None if it is not waiting.

    The row stays, its wait ended (``until`` now), so the worker's next pass claims
    the domain's mail again; if the domain refuses again its wait grows from where
    it was (``failures`` kept), and its first accepted message deletes the row, as
    ever. Every queued message to the domain is made due now, as Postfix's
    ``postqueue -s site`` schedules a site's mail: the wait had moved the backlog to
    its end (``back_off``), and a message's own retry time after a 4xx is that same
    provider's refusal. Only queued rows change, and only their time: no status,
    lease or attempt, so nothing is lost or sent twice.

    Audited as ``mail.domain.try_now``; it names the domain, which the trail may
    keep: it names no person, as the backoff row does not.
    """
    now = timezone.now()
    with transaction.atomic():
        backoff = DomainBackoff.objects.select_for_update().filter(pk=backoff_id).first()
        if backoff is None or backoff.until <= now:
            return None
        was_until = backoff.until
        backoff.until = now
        backoff.save(update_fields=["until"])
        queued = OutboundMessage.objects.filter(
            recipient_domain=backoff.domain, status=OutboundMessage.Status.QUEUED
        )
        queued.filter(next_attempt_at__gt=now).update(next_attempt_at=now)
        waiting = queued.count()
        failures = f"{backoff.failures} temporary failure{'s' if backoff.failures != 1 else ''}"
        record_audit(
            TRY_NOW,
            actor=by,
            reason=f"staff ended a domain's wait after {failures} in a row",
            detail={
                "domain": backoff.domain,
                "failures": backoff.failures,
                "last_code": backoff.last_code,
                "since": backoff.since.isoformat(),
                "was_until": was_until.isoformat(),
                "messages": waiting,
            },
        )
    return DomainRetry(backoff.domain, was_until, waiting)
