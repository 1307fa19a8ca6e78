"""Fixtures for the shop's tests: products made through the catalog's action, staff in roles."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from pledge.people.models import Person
from pledge.shop.catalog import save_product
from pledge.shop.models import Product
from pledge.staff.roles import assign_role

BOTH = ("contactgenie", "claxton")
CONTACTGENIE = {"HTTP_HOST": "contactgenie.localhost"}
CLAXTON = {"HTTP_HOST": "claxton.localhost"}


@pytest.fixture
def make_product(policy: Any) -> Callable[..., Product]:
    """Add a product as staff would: through ``save_product``, audited."""

    def make(
        sku: str = "cg-standard",
        *,
        sites: tuple[str, ...] = BOTH,
        price: str = "49.00",
        upgrades_from: Product | None = None,
        **fields: Any,
    ) -> Product:
        fields.setdefault("name", f"ContactGenie {sku}")
        fields.setdefault("edition", "Standard")
        fields.setdefault("summary", f"The summary of {sku}.")
        product = Product(
            sku=sku,
            kind=Product.Kind.UPGRADE if upgrades_from else Product.Kind.EDITION,
            price=Decimal(price),
            upgrades_from=upgrades_from,
            **fields,
        )
        save_product(product, by=None, sites=sites)
        return product

    return make


@pytest.fixture
def make_staff(policy: Any) -> Callable[[str], Person]:
    """A verified member of staff holding one declared role."""

    def make(role: str) -> Person:
        person = Person.objects.create_user(
            f"{role}@claxton.localhost",
            "staff password 2026",
            point="staff",
            name=f"{role} (test)",
            email_verified_at=timezone.now(),
            is_staff=True,
        )
        assign_role(person, role, by=None)
        return person

    return make
