"""The append-only audit trail: one function writes it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from .models import AuditEvent


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
    # The actor is named by account number only: the trail outlives erasures (C20).
    label = ""
    if actor is not None and getattr(actor, "pk", None) is not None:
        label = f"#{actor.pk}"
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
