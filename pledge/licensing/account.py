"""What an owner sees of their products and keys on their account page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import LicenseKey, Registration


@dataclass
class OwnedProduct:
    """One registration as its owner sees it: the product, its state, its keys."""

    registration: Registration
    current: LicenseKey | None = None
    earlier: list[LicenseKey] = field(default_factory=list)


def owned_products_of(person: Any) -> list[OwnedProduct]:
    """The person's registrations, newest first, each with its current and earlier keys.

    One query: every registration has at least the key it was issued with.
    """
    keys = (
        LicenseKey.objects.filter(registration__person_id=person.pk)
        .select_related("registration__product")
        .order_by("-registration__registered_at", "-registration_id", "-issued_at", "-id")
    )
    owned: dict[int, OwnedProduct] = {}
    for key in keys:
        entry = owned.setdefault(key.registration_id, OwnedProduct(key.registration))
        if key.is_current:
            entry.current = key
        else:
            entry.earlier.append(key)
    return list(owned.values())
