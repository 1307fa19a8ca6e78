"""The demo's registered owners, made through the same actions a paid order uses.

Ada owns ContactGenie Professional; Alan's Standard was refunded, so his
registration is revoked: the account pages and the staff admin show both states.
Running it again changes nothing (registration is idempotent per order line).
"""

from __future__ import annotations

from dataclasses import dataclass

from pledge.people.models import Person
from pledge.shop.models import Product

from .models import Registration
from .ownership import register_owner, revoke_registration


@dataclass(frozen=True)
class DemoOwner:
    email: str
    sku: str
    order_ref: str
    revoked: str = ""  # why, if the demo shows it revoked


OWNERS = (
    DemoOwner("ada@example.com", "cg-professional", "DEMO-1001"),
    DemoOwner("alan@example.com", "cg-standard", "DEMO-1002", revoked="refunded on request"),
)


def seed_registrations() -> list[Registration]:
    """Register the demo owners of the demo catalog; skip any whose person or product is missing."""
    made = []
    for owner in OWNERS:
        person = Person.objects.filter(email__iexact=owner.email).first()
        product = Product.objects.filter(sku=owner.sku).first()
        if person is None or product is None:
            continue
        registration = register_owner(person, product, owner.order_ref, line_ref="1")
        if owner.revoked:
            revoke_registration(registration, owner.revoked)
        made.append(registration)
    return made
