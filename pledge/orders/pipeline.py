"""The order status pipeline: the only way an order's status changes.

pending → paid | failed | expired; failed → paid | expired (the buyer may try
another card on the same page); paid → refunded. Nothing leaves expired or
refunded. An impossible move raises ImpossibleTransition; callers that receive
out-of-order processor events ask ``can_move`` first and record the event as
changing nothing, so no status is ever silently overwritten.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from pledge.policy.audit import record_audit

from .models import Order, OrderEvent, Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.PAID, Status.FAILED, Status.EXPIRED}),
    Status.FAILED: frozenset({Status.PAID, Status.EXPIRED}),
    Status.PAID: frozenset({Status.REFUNDED}),
    Status.EXPIRED: frozenset(),
    Status.REFUNDED: frozenset(),
}


class ImpossibleTransition(ValueError):
    """An order was asked to move where its pipeline does not go."""

    def __init__(self, order: Order, to: str):
        self.order_number, self.from_status, self.to_status = order.number, order.status, to
        super().__init__(f"order {order.number} cannot go from {order.status} to {to}")


def can_move(order: Order, to: str) -> bool:
    return to in TRANSITIONS[order.status]


def record(order: Order, kind: str, *, source: str, **fields: Any) -> OrderEvent:
    """Append one line to the order's history."""
    return OrderEvent.objects.create(
        order=order, at=timezone.now(), kind=kind, source=source, **fields
    )


def move(
    order: Order,
    to: str,
    *,
    source: str,
    note: str = "",
    processor_event_id: str = "",
    actor: Any = None,
) -> Order:
    """Move ``order`` to status ``to``, with its history line and audit row, or raise.

    The row is re-read under a lock (PostgreSQL) and changed by a conditional
    UPDATE from the status read: where there is no row lock (SQLite), a racing
    move that got there first makes this one change nothing and raise.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not can_move(locked, to):
            raise ImpossibleTransition(locked, to)
        before = locked.status
        changes: dict[str, Any] = {"status": to}
        if to == Status.PAID:
            changes["paid_at"] = timezone.now()
        if not Order.objects.filter(pk=locked.pk, status=before).update(**changes):
            locked.refresh_from_db(fields=["status"])
            raise ImpossibleTransition(locked, to)
        for field, value in changes.items():
            setattr(locked, field, value)
        record(
            locked,
            OrderEvent.Kind.STATUS,
            source=source,
            from_status=before,
            to_status=to,
            note=note[:255],
            processor_event_id=processor_event_id,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        record_audit(
            "order.status",
            actor=actor,
            subject_id=locked.person_id,
            categories=["user.behavior.purchase_history"],
            reason=f"order {locked.number}: {before} → {to} ({source})",
            detail={"order": locked.number, "from": before, "to": to, "source": source},
        )
    order.status, order.paid_at = locked.status, locked.paid_at
    return order
