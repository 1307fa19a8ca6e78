"""The day's visitor: IP address, user agent and site under a salt kept 48 hours (C7).

The salt is random, one per day of traffic, and deleted within 48 hours of being
made; after that, no hash of that day can be recomputed from an IP address.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

import polars as pl
from django.utils import timezone

from .models import CountedVisitors, VisitorSalt

SALT_KEPT = timedelta(hours=48)


def salt_for(day: date) -> bytes:
    """The salt of ``day``'s traffic, made now if there is none."""
    salt, _ = VisitorSalt.objects.get_or_create(
        day=day, defaults={"salt": secrets.token_bytes(32), "created_at": timezone.now()}
    )
    return bytes(salt.salt)


def address_key(salt: bytes, ip: str) -> int:
    """A signed 64-bit keyed hash of an IP address under the day's salt.

    The visitor is then a column hash of this key, the user agent and the site
    (``visitor_of``): the secret is all here, so once the salt is gone neither the
    address nor the visitor can be recomputed, while the per-row part runs in polars.
    """
    digest = hashlib.blake2b(ip.encode(), key=salt, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def visitor_of(address: pl.Expr, user_agent: pl.Expr, site: pl.Expr) -> pl.Expr:
    """The day's visitor: a hash of the keyed address, user agent and site, as Int64.

    Polars' hash is stable within a version, which is all a visitor needs: marks live
    48 hours."""
    return pl.struct(address, user_agent, site).hash(seed=0).reinterpret(signed=True)


def purge_salts(now: datetime | None = None) -> int:
    """Delete salts older than 48 hours and the visitor marks of their days."""
    cutoff = (now or timezone.now()) - SALT_KEPT
    deleted, _ = VisitorSalt.objects.filter(created_at__lt=cutoff).delete()
    CountedVisitors.objects.exclude(day__in=VisitorSalt.objects.values("day")).delete()
    return deleted
