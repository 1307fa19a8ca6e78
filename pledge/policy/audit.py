"""The append-only audit trail: one function writes it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from .models import AuditEvent


def _label(actor: Any) -> str:
    # The actor is named by account number only: the trail outlives erasures (C20).
    if actor is not None and getattr(actor, "pk", None) is not None:
        return f"#{actor.pk}"
    return ""


def record_audit(
    action: str,
    *,
    actor: Any = None,
    subject_id: int | None = None,
    categories: Iterable[str] = (),
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row. Call it inside the action's own transaction."""
    label = _label(actor)
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor if label else None,
        actor_label=label,
        action=action,
        subject_id=subject_id,
        categories=sorted(set(categories)),
        reason=reason[:255],
        detail=detail or {},
    )


def record_audits(entries: Iterable[dict[str, Any]]) -> list[AuditEvent]:
    """Write many audit rows in one query: the rows ``record_audit`` would write.

    Each entry holds ``record_audit``'s keyword arguments and ``action``. For a
    batch action (a send batch's outcomes); call it inside the action's transaction.
    """
    now = timezone.now()
    rows = []
    for entry in entries:
        label = _label(entry.get("actor"))
        rows.append(
            AuditEvent(
                at=now,
                actor=entry.get("actor") if label else None,
                actor_label=label,
                action=entry["action"],
                subject_id=entry.get("subject_id"),
                categories=sorted(set(entry.get("categories", ()))),
                reason=entry.get("reason", "")[:255],
                detail=entry.get("detail") or {},
            )
        )
    return AuditEvent.objects.bulk_create(rows)
