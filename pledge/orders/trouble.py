"""Order trouble (C3): the billing clerk writes to a buyer about one order.

The purpose is ``order_trouble``: transactional, so it needs no marketing consent,
and scoped to the order: the mail can only be written from an order, names it in
its subject and body, and is recorded in that order's history.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import enqueue
from pledge.policy.audit import record_audit

from .models import Order, OrderEvent
from .pipeline import record

ORDER_TROUBLE = "order_trouble"


class TroubleRefused(PermissionError):
    """The member of staff may not write to buyers about their orders."""


def contact_about_order(order: Order, *, clerk: Any, topic: str, message: str) -> OutboundMessage:
    """Queue one mail to the order's buyer about this order, and record it on the order."""
    if not clerk.has_perm("orders.contact_order"):
        raise TroubleRefused("only the billing clerk writes to buyers about their orders")
    topic, message = " ".join(topic.split())[:120], message.strip()
    if not topic or not message:
        raise ValueError("a topic and a message are needed")
    with transaction.atomic():
        outbound = enqueue(
            person=order.person,
            purpose=ORDER_TROUBLE,
            template="orders/trouble",
            site=order.site,
            context={"order": order, "topic": topic, "message": message},
        )
        record(
            order,
            OrderEvent.Kind.CONTACTED,
            source="staff",
            note=f"mail {outbound.pk}: {topic}"[:255],
            actor=clerk,
        )
        record_audit(
            "order.contacted",
            actor=clerk,
            subject_id=order.person_id,
            categories=["user.name", "user.contact.email", "user.behavior.purchase_history"],
            reason=f"trouble with order {order.number}",
            detail={"order": order.number, "message": outbound.pk},
        )
    return outbound
