"""Checking a processor webhook's signature on the raw body (C3: forged callbacks fail).

Stripe signs ``timestamp.payload`` with HMAC-SHA256 under the endpoint's secret and
sends ``Stripe-Signature: t=…,v1=…[,v1=…][,v0=…]``. Every ``v1`` value is tried,
each with a constant-time compare (several are sent while a secret is rolled);
other schemes are ignored. The timestamp must be within the tolerance on both
sides: the SDK's own check refuses only old ones, and a signature made for the
future could be replayed for as long as it stays "fresh".
"""

from __future__ import annotations

import hashlib
import hmac
import time


class SignatureError(ValueError):
    """The webhook's signature does not prove it came from the processor, now."""


class MalformedSignature(SignatureError):
    pass


class NoValidSignature(SignatureError):
    pass


class StaleTimestamp(SignatureError):
    pass


class FutureTimestamp(SignatureError):
    pass


def signed_payload_digest(secret: str, timestamp: int, payload: bytes) -> str:
    """The hex HMAC-SHA256 the processor sends as ``v1`` for this timestamp and body."""
    message = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, payload: bytes) -> str:
    """A ``Stripe-Signature`` value, as the processor makes it (the tests sign with it)."""
    return f"t={timestamp},v1={signed_payload_digest(secret, timestamp, payload)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if timestamp is not None or not value.isdigit():
                raise MalformedSignature("the signature's timestamp is missing or not a number")
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None:
        raise MalformedSignature("the signature header carries no timestamp")
    if not signatures:
        raise NoValidSignature("the signature header carries no v1 signature")
    return timestamp, signatures


def verify(
    payload: bytes, header: str, secret: str, *, tolerance: int, now: float | None = None
) -> int:
    """Return the signed timestamp if ``header`` signs ``payload`` within ``tolerance``.

    Raises a SignatureError naming what is wrong. The digest is checked before the
    time, so an attacker learns nothing about our clock from a forged request.
    """
    if not header:
        raise MalformedSignature("no Stripe-Signature header")
    timestamp, signatures = _parse(header)
    expected = signed_payload_digest(secret, timestamp, payload)
    matched = False
    for candidate in signatures:
        # Compare every one, so the time taken says nothing about which matched.
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise NoValidSignature("no v1 signature matches the body")
    now = time.time() if now is None else now
    if timestamp < now - tolerance:
        raise StaleTimestamp(f"signed {int(now - timestamp)} s ago, more than {tolerance} s")
    if timestamp > now + tolerance:
        raise FutureTimestamp(f"signed {int(timestamp - now)} s in the future")
    return timestamp
