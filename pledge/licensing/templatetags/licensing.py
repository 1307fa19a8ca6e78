"""``{% owned_products_card person %}``: the account page's card of products and keys."""

from __future__ import annotations

from typing import Any

from django import template

from pledge.licensing.account import owned_products_of

register = template.Library()


@register.inclusion_tag("licensing/_account_products.html")
def owned_products_card(person: Any) -> dict[str, Any]:
    return {"owned": owned_products_of(person)}
