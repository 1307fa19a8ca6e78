"""The day's visitor hash: IP address, user agent and site under a salt kept 48 hours (C7).

The salt is random, one per day of traffic, and deleted within 48 hours of being
made; after that, no hash of that day can be recomputed from an IP address.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

from django.utils import timezone

from .models import CellVisitor, VisitorSalt

SALT_KEPT = timedelta(hours=48)


def salt_for(day: date) -> bytes:
    """The salt of ``day``'s traffic, made now if there is none."""
    salt, _ = VisitorSalt.objects.get_or_create(
        day=day, defaults={"salt": secrets.token_bytes(32), "created_at": timezone.now()}
    )
    return bytes(salt.salt)


def visitor_hash(salt: bytes, ip: str, user_agent: str, site: str) -> int:
    """A signed 64-bit keyed hash: fits a BigIntegerField and stands for no one after
    the salt is gone."""
    digest = hashlib.blake2b(
        f"{ip}\x00{user_agent}\x00{site}".encode(), key=salt, digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def purge_salts(now: datetime | None = None) -> int:
    """Delete salts older than 48 hours and the per-cell visitor marks of their days."""
    cutoff = (now or timezone.now()) - SALT_KEPT
    deleted, _ = VisitorSalt.objects.filter(created_at__lt=cutoff).delete()
    CellVisitor.objects.exclude(cell__day__in=VisitorSalt.objects.values("day")).delete()
    return deleted
