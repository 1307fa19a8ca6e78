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


def refund_order(
    order: Order, *, actor: Any, reason: str, event: ProcessorEvent | None = None
) -> Order:
    """Refund ``order`` in full and end what it gave (C3, C10).

    Staff (``actor``) and the late-promotion rule call it without ``event``: the
    refund is asked of the processor first, with a key derived from the order, so
    a retry is the same refund. A ``charge.refunded`` event from the processor
    (a refund made on its dashboard) passes ``event``: it is only recorded.
    """
    if not can_move(order, Status.REFUNDED):
        raise ImpossibleTransition(order, Status.REFUNDED)
    if event is None:
        facts = processor.refund(
            payment_intent=order.payment_intent_id,
            idempotency_key=f"pledge-order-{order.number}-refund",
        )
        refund_id, amount, event_id = facts.id, Decimal(facts.amount) / 100, ""
    else:
        refund_id = event.object_id
        amount = Decimal(int(event.object.get("amount_refunded") or 0)) / 100
        event_id = event.id
    with transaction.atomic():
        move(
            order,
            Status.REFUNDED,
            source="staff" if actor else "processor",
            note=reason,
            processor_event_id=event_id,
            actor=actor,
        )
        record(
            order,
            OrderEvent.Kind.REFUND,
            source="staff" if actor else "processor",
            processor_event_id=event_id,
            amount=amount.quantize(Decimal("0.01")),
            currency=order.currency,
            note=f"refund {refund_id}: {reason}"[:255],
            actor=actor if getattr(actor, "pk", None) else None,
        )
        revoke_order_ownership(order, f"order {order.number} refunded: {reason}", by=actor)
    return order
