"""The demo's special price: one offer for everyone, on one product, for the next two weeks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from pledge.shop.models import Product

from .models import SpecialPrice

SKU = "cg-professional"
LABEL = "Spring offer"
PRICE = Decimal("79.00")
WINDOW = timedelta(days=14)


def seed_special_prices() -> SpecialPrice | None:
    """Offer the demo's special price from now for 14 days, unless one is running or to come.

    Running the demo again leaves a running offer as it is (its window is not moved),
    and after it has ended starts a new one, so the product page always shows the
    struck-through price. Nothing is made when the demo catalog has no such product.
    """
    product = Product.objects.filter(sku=SKU).first()
    if product is None:
        return None
    now = timezone.now()
    existing = SpecialPrice.objects.filter(product=product, label=LABEL, ends_at__gt=now).first()
    if existing is not None:
        return existing
    return SpecialPrice.objects.create(
        product=product,
        label=LABEL,
        price=PRICE,
        currency=product.currency,
        starts_at=now,
        ends_at=now + WINDOW,
        audience="",
    )
