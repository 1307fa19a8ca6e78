"""Rate limits for signing in, registering and mail-sending requests.

A counter per kind and identity lives in Django's cache for one window. The
identity is a keyed hash of the normalised email address or the account: never
an IP address (C7: an IP is never stored next to a person), and never the
address itself.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .digests import address_digest

# Kind -> the setting that holds its number of attempts per RATE_LIMIT_WINDOW.
LIMITS = {
    "login": "RATE_LIMIT_LOGIN",
    "register": "RATE_LIMIT_REGISTER",
    "reset": "RATE_LIMIT_RESET",
    # Resending a verification link and changing one's address send mail like a
    # reset does, so they share its limit.
    "resend": "RATE_LIMIT_RESET",
    "email_change": "RATE_LIMIT_RESET",
    # Asking to join a mailing list mails a confirmation link (pledge.mail.lists).
    "subscribe": "RATE_LIMIT_RESET",
}


class RateLimited(Exception):
    """Too many attempts of one kind for one identity; ``wait_seconds`` until the next."""

    def __init__(self, kind: str, wait_seconds: int):
        self.kind = kind
        self.wait_seconds = wait_seconds
        minutes = max(1, math.ceil(wait_seconds / 60))
        unit = "minute" if minutes == 1 else "minutes"
        self.message = f"Too many attempts. Please wait {minutes} {unit} and try again."
        super().__init__(self.message)


@dataclass(frozen=True)
class _Window:
    started: float
    count: int


def _key(kind: str, identity: str | int) -> str:
    return f"pledge:ratelimit:{kind}:{address_digest('ratelimit.' + kind, str(identity))}"


def _limit(kind: str) -> int:
    return int(getattr(settings, LIMITS[kind]))


def _window(key: str, now: float) -> _Window | None:
    value = cache.get(key)
    if value is None:
        return None
    started, count = value
    if now - started >= settings.RATE_LIMIT_WINDOW:
        return None
    return _Window(started, count)


def check(kind: str, identity: str | int) -> None:
    """Raise RateLimited if ``identity`` has used up its attempts of ``kind``."""
    now = time.time()
    window = _window(_key(kind, identity), now)
    if window is not None and window.count >= _limit(kind):
        raise RateLimited(kind, math.ceil(window.started + settings.RATE_LIMIT_WINDOW - now))


def count(kind: str, identity: str | int) -> None:
    """Count one attempt of ``kind`` for ``identity``.

    Not atomic (read, then write): two attempts at the same instant may count as
    one. A limit that is sometimes one attempt late is good enough here, and it
    keeps the counter in any cache backend.
    """
    key = _key(kind, identity)
    now = time.time()
    window = _window(key, now) or _Window(now, 0)
    # The entry expires with its window: set() with an explicit timeout, since the
    # cache's incr() would reset the expiry to the default timeout.
    remaining = math.ceil(window.started + settings.RATE_LIMIT_WINDOW - now)
    cache.set(key, (window.started, window.count + 1), timeout=max(1, remaining))


def attempt(kind: str, identity: str | int) -> None:
    """Check the limit, then count this attempt: for requests that count whatever happens."""
    check(kind, identity)
    count(kind, identity)


def clear(kind: str, identity: str | int) -> None:
    """Forget the attempts of ``kind`` for ``identity`` (a successful sign-in)."""
    cache.delete(_key(kind, identity))
