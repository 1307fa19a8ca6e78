"""Refunding a paid order: through the adapter, recorded, ownership revoked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from pledge.payments import processor
from pledge.payments.events import ProcessorEvent

from .models import Order, OrderEvent, Status
from .ownership import revoke_order_ownership
from .pipeline import ImpossibleTransition, can_move, move, record
from .receipts import send_refund_notice


def refund_order(
    order: Order, *, actor: Any, reason: str, event: ProcessorEvent | None = None
) -> Order:
    """Refund ``order`` in full and end what it gave (C3, C10).

    Staff (``actor``) and the late-promotion rule call it without ``event``: the
    refund is asked of the processor while the order's row is locked, with a key
    derived from the order, so a retry is the same refund and the processor's own
    ``charge.refunded`` event, arriving meanwhile, waits and then finds the refund
    recorded. That event, for a refund made on the processor's dashboard, passes
    ``event``: it is only recorded. The buyer's refund mail is queued with the
    move to refunded, so whichever of the two records the refund tells it, once.
    """
    source = "staff" if actor else "processor"
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not can_move(locked, Status.REFUNDED):
            raise ImpossibleTransition(locked, Status.REFUNDED)
        if event is None:
            facts = processor.refund(
                payment_intent=locked.payment_intent_id,
                idempotency_key=f"pledge-order-{locked.number}-refund",
            )
            refund_id, amount, event_id = facts.id, Decimal(facts.amount) / 100, ""
        else:
            refund_id = event.object_id
            amount = Decimal(int(event.object.get("amount_refunded") or 0)) / 100
            event_id = event.id
        try:
            move(
                locked,
                Status.REFUNDED,
                source=source,
                note=reason,
                processor_event_id=event_id,
                actor=actor,
            )
        except ImpossibleTransition:
            if event is not None:
                raise
            # Where there is no row lock (SQLite), the processor's own event for
            # this refund can be recorded before its answer reaches us: say who asked.
            record(
                locked,
                OrderEvent.Kind.REFUND_ASKED,
                source=source,
                note=f"refund {refund_id}: {reason}; its event recorded it first"[:255],
                actor=actor if getattr(actor, "pk", None) else None,
            )
            order.status = Status.REFUNDED
            return order
        record(
            locked,
            OrderEvent.Kind.REFUND,
            source=source,
            processor_event_id=event_id,
            amount=amount.quantize(Decimal("0.01")),
            currency=locked.currency,
            note=f"refund {refund_id}: {reason}"[:255],
            actor=actor if getattr(actor, "pk", None) else None,
        )
        revoked = revoke_order_ownership(
            locked, f"order {locked.number} refunded: {reason}", by=actor
        )
        send_refund_notice(locked, amount=amount, revoked_serials=revoked)
    order.status = locked.status
    return order
