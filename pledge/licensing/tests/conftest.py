"""Fixtures for the licensing tests: a product from the catalog and an owner of it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from pledge.licensing.models import Registration
from pledge.licensing.ownership import register_owner
from pledge.shop.catalog import save_product
from pledge.shop.models import Product


@pytest.fixture
def professional(policy: Any) -> Product:
    product = Product(
        sku="cg-professional",
        name="ContactGenie Professional",
        edition="Professional",
        summary="Standard, plus mail merge.",
        price=Decimal("99.00"),
    )
    save_product(product, by=None, sites=["contactgenie"])
    return product


@pytest.fixture
def standard(policy: Any) -> Product:
    product = Product(
        sku="cg-standard",
        name="ContactGenie Standard",
        edition="Standard",
        summary="Every contact in one place.",
        price=Decimal("49.00"),
    )
    save_product(product, by=None, sites=["contactgenie"])
    return product


@pytest.fixture
def register(professional: Product) -> Callable[..., Registration]:
    """Register a person as owner of a product (Professional unless given) by an order line."""
    counter = {"n": 0}

    def make(person: Any, product: Product | None = None, **extra: Any) -> Registration:
        counter["n"] += 1
        extra.setdefault("line_ref", "1")
        return register_owner(person, product or professional, f"ORD-{counter['n']:04d}", **extra)

    return make


@pytest.fixture
def make_staff_member(policy: Any) -> Callable[..., Any]:
    """A billing clerk (or the given role), as the demo makes staff."""
    from django.utils import timezone

    from pledge.people.models import Person
    from pledge.staff.roles import assign_role

    counter = {"n": 0}

    def make(role: str = "billing_clerk") -> Any:
        counter["n"] += 1
        person = Person.objects.create_user(
            f"clerk{counter['n']}@claxton.localhost",
            "staff password 2026",
            point="staff",
            name=f"Clerk {counter['n']}",
            email_verified_at=timezone.now(),
        )
        assign_role(person, role, by=None)
        return person

    return make
