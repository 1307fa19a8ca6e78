"""The orders app's parts of other apps' pages: the account's orders, a product's price."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from pledge.orders.checkout import quote
from pledge.orders.models import Order

register = template.Library()


@register.inclusion_tag("orders/_account_orders.html")
def orders_card(person: Any) -> dict[str, Any]:
    """The orders in ``person``'s account: their own, and guest orders they confirmed."""
    orders = list(
        Order.objects.filter(person=person, claimed_at__isnull=False).order_by("-created_at")[:10]
    )
    return {"orders": orders}


@register.inclusion_tag("orders/_product_price.html", takes_context=True)
def product_price(context: dict[str, Any], product: Any) -> dict[str, Any]:
    """The price the visitor would pay now: a special price for their audience, or the regular one.

    Asked of ``quote``, the rule the order form and the payment use, so the page
    never shows a price checkout would refuse (C10): for a guest only a price for
    everyone, for a signed-in visitor also their lists' prices.
    """
    user = context["request"].user
    person = user if user.is_authenticated else None
    return {"product": product, "price": quote(product, person, timezone.now())}
