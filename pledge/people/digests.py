"""Keyed hashes that name an email address without revealing it.

Used where an address must be recognised but not stored or shown: rate-limit
counters in the cache and verification links (a URL ends up in access logs, and
C7 keeps logs apart from anything that identifies a person).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def normalise_email(email: str) -> str:
    """The form under which two spellings of one address compare equal."""
    return email.strip().lower()


def address_digest(kind: str, email: str) -> str:
    """HMAC-SHA256 of the normalised address, keyed with SECRET_KEY and ``kind``.

    ``kind`` keeps digests made for one use from matching those made for another.
    """
    message = f"{kind}:{normalise_email(email)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
