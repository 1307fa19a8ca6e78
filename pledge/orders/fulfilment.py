"""What a processor event does to an order (C3, C10).

The webhook's signature says the event came from the processor; it does not say
the event is the latest word. So for a Checkout Session event fulfilment fetches
the session again and acts on what the processor says now, and it is safe to run
twice: a paid order is not paid again, its invoice and key are not issued twice.
An event that would move an order backwards (failed after paid) changes nothing
and is recorded as such.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pledge.payments import processor
from pledge.payments.events import ProcessorEvent

from .models import Order, OrderEvent, Status
from .ownership import register_order_owner
from .pipeline import ImpossibleTransition, can_move, move, record
from .receipts import issue_invoice, send_receipt
from .refunds import refund_order

logger = logging.getLogger("pledge.orders.fulfilment")

SOURCE = "processor"
SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
INTENT_FAILED = "payment_intent.payment_failed"
CHARGE_REFUNDED = "charge.refunded"


class UnknownOrder(LookupError):
    """The event is about an order this vendor does not have."""


def _minor_to_decimal(amount: int | None) -> Decimal | None:
    return None if amount is None else (Decimal(amount) / 100).quantize(Decimal("0.01"))


def handle_event(event: ProcessorEvent) -> str:
    """Act on one verified event; return what it did, in a few words, for the ledger."""
    if event.type in SESSION_EVENTS:
        return _session_event(event)
    if event.type == INTENT_FAILED:
        return _intent_failed(event)
    if event.type == CHARGE_REFUNDED:
        return _charge_refunded(event)
    return f"ignored: {event.type} is not an event orders act on"


def _order_for_session(event: ProcessorEvent) -> Order:
    order = Order.objects.filter(checkout_session_id=event.object_id).first()
    if order is None:
        raise UnknownOrder(f"no order has checkout session {event.object_id}")
    return order


def _ignored(order: Order, event: ProcessorEvent, why: str) -> str:
    record(
        order,
        OrderEvent.Kind.IGNORED,
        source=SOURCE,
        from_status=order.status,
        to_status=order.status,
        processor_event_id=event.id,
        note=f"{event.type}: {why}"[:255],
    )
    logger.info("order %s: %s %s changed nothing: %s", order.number, event.type, event.id, why)
    return f"no change: {why}"


def _session_event(event: ProcessorEvent) -> str:
    order = _order_for_session(event)
    facts = processor.retrieve_session(event.object_id)
    if facts.status == "complete" and facts.payment_status in ("paid", "no_payment_required"):
        return mark_paid(order, facts, event)
    if facts.status == "expired":
        if not can_move(order, Status.EXPIRED):
            return _ignored(order, event, f"the session expired but the order is {order.status}")
        move(order, Status.EXPIRED, source=SOURCE, processor_event_id=event.id)
        return "expired"
    if event.type == "checkout.session.async_payment_failed" and facts.payment_status == "unpaid":
        if not can_move(order, Status.FAILED):
            return _ignored(order, event, f"payment failed after the order was {order.status}")
        move(order, Status.FAILED, source=SOURCE, processor_event_id=event.id)
        return "failed"
    return _ignored(
        order,
        event,
        f"the processor says the session is {facts.status}/{facts.payment_status}",
    )


def mark_paid(order: Order, facts: processor.SessionFacts, event: ProcessorEvent | None) -> str:
    """Record the payment, issue invoice, ownership and key, queue the receipt: one transaction.

    Safe to run twice: an order already paid (or refunded) is left as it is.
    """
    event_id = event.id if event else ""
    now = timezone.now()
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("special_price")
            .get(pk=order.pk)
        )
        if order.status in (Status.PAID, Status.REFUNDED):
            if event is None:
                return f"no change: already {order.status}"
            return _ignored(order, event, f"the order is {order.status} already")
        if facts.amount_total != order.total_minor or facts.currency.upper() != order.currency:
            logger.error(
                "order %s: processor reports %s %s, the order is %s %s",
                order.number,
                facts.amount_total,
                facts.currency,
                order.total_minor,
                order.currency,
            )
            if event is None:
                return "no change: amount differs"
            return _ignored(
                order, event, "the amount paid differs from the order's; staff must look"
            )
        try:
            move(order, Status.PAID, source=SOURCE, processor_event_id=event_id)
        except ImpossibleTransition:  # another delivery paid it a moment ago
            if event is None:
                return "no change: already paid"
            return _ignored(order, event, "the order is paid already")
        Order.objects.filter(pk=order.pk).update(payment_intent_id=facts.payment_intent)
        order.payment_intent_id = facts.payment_intent
        record(
            order,
            OrderEvent.Kind.CHARGE,
            source=SOURCE,
            processor_event_id=event_id,
            amount=_minor_to_decimal(facts.amount_total),
            currency=order.currency,
            note=f"payment {facts.payment_intent}"[:255],
        )
        late = order.special_price is not None and not order.special_price.promotion.holds_at(now)
        if late and settings.LATE_PROMOTION_PAYMENT == "refund":
            record(
                order,
                OrderEvent.Kind.PROMOTION,
                source="rule PLEDGE_LATE_PROMOTION_PAYMENT=refund",
                note="payment confirmed after the promotion ended: refunded",
            )
            refund_order(order, actor=None, reason="promotion ended before payment was confirmed")
            return "paid after the promotion ended: refunded"
        if late:
            record(
                order,
                OrderEvent.Kind.PROMOTION,
                source="rule PLEDGE_LATE_PROMOTION_PAYMENT=honour",
                note=(
                    "payment confirmed after the promotion ended; honoured: "
                    f"checkout started inside it at {order.checkout_started_at:%Y-%m-%d %H:%M:%S} UTC"
                ),
            )
        invoice = issue_invoice(order)
        key = register_order_owner(order) if order.claimed_at else None
        send_receipt(order, invoice, key)
    return "paid" + (" (late promotion honoured)" if late else "")


def _intent_failed(event: ProcessorEvent) -> str:
    intent = event.object_id
    order = Order.objects.filter(payment_intent_id=intent).first() if intent else None
    if order is None:
        raise UnknownOrder(f"no order has payment {intent}")
    if not can_move(order, Status.FAILED):
        return _ignored(order, event, f"payment failed after the order was {order.status}")
    move(order, Status.FAILED, source=SOURCE, processor_event_id=event.id)
    return "failed"


def _charge_refunded(event: ProcessorEvent) -> str:
    intent = str(event.object.get("payment_intent") or "")
    order = Order.objects.filter(payment_intent_id=intent).first() if intent else None
    if order is None:
        raise UnknownOrder(f"no order has payment {intent or '(none)'}")
    if order.status == Status.REFUNDED:
        return _ignored(order, event, "the refund is recorded already")
    if not can_move(order, Status.REFUNDED):
        return _ignored(order, event, f"a refund for an order that is {order.status}")
    try:
        refund_order(order, actor=None, reason="refunded at the processor", event=event)
    except ImpossibleTransition:  # a staff refund recorded it a moment ago
        return _ignored(order, event, "the refund is recorded already")
    return "refunded"
