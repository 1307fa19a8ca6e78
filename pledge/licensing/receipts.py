"""The license key as a mail shows it: a block the orders' receipt includes.

The orders app sends the receipt (through the outbox); this module only renders
the key's part of it, so every mail that carries a key says the same things:
the product, the key on a line of its own, its serial, what it grants, until
when, and that it names no one.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from .models import LicenseKey

TEXT = "mail/licensing/key_block.txt"
HTML = "mail/licensing/key_block.html"


def key_block_context(key: LicenseKey) -> dict[str, Any]:
    """What the key block templates need; pass it to ``{% include %}`` with ``only``."""
    registration = key.registration
    return {
        "license_key": key,
        "product_name": registration.product.name,
        "edition": registration.entitlements.get("edition", ""),
        "seats": registration.entitlements.get("seats"),
    }


def render_key_block(key: LicenseKey, *, html: bool = False) -> str:
    """The key block as plain text (or HTML), to put in a receipt or a re-issue notice."""
    return render_to_string(HTML if html else TEXT, key_block_context(key))
