"""The account page's card of the person's orders."""

from __future__ import annotations

from typing import Any

from django import template

from pledge.orders.models import Order

register = template.Library()


@register.inclusion_tag("orders/_account_orders.html")
def orders_card(person: Any) -> dict[str, Any]:
    """The orders in ``person``'s account: their own, and guest orders they confirmed."""
    orders = list(
        Order.objects.filter(person=person, claimed_at__isnull=False).order_by("-created_at")[:10]
    )
    return {"orders": orders}
