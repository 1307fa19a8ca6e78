"""Where a paid order meets the registered owners (C10): the licensing app's door.

Orders never write registrations or keys themselves: ``pledge.licensing.ownership``
registers the owner and issues the key (idempotent per order line), and revokes
them on a refund.
"""

from __future__ import annotations

from typing import Any

from pledge.licensing.models import LicenseKey
from pledge.licensing.ownership import current_key, register_owner, revoke_for_order
from pledge.licensing.receipts import key_block_context

from .models import Order


def register_order_owner(order: Order) -> LicenseKey | None:
    """Register the buyer as owner of the ordered product; return its current key."""
    registration = register_owner(order.person, order.product, order.number)
    return current_key(registration)


def key_block(key: LicenseKey | None) -> dict[str, Any]:
    """The mail context of the licensing app's key block (empty without a key)."""
    return key_block_context(key) if key is not None else {}


def revoke_order_ownership(order: Order, reason: str, *, by: Any = None) -> list[str]:
    """End the ownership and the key the order gave; return the serials of the keys revoked.

    Harmless if the order gave none (an order never claimed by its address's owner)
    or was revoked already: the list is then empty.
    """
    revoked = revoke_for_order(order.number, reason, by=by)
    return list(
        LicenseKey.objects.filter(
            registration__in=revoked, status=LicenseKey.Status.REVOKED
        ).values_list("serial", flat=True)
    )
