"""Signed tokens for links in mail (manage my data, verify, unsubscribe), most expiring.

A token names its kind, so a token made for one link never opens another.
"""

from __future__ import annotations

from django.core import signing

DAY = 24 * 60 * 60


class BadToken(ValueError):
    """The link is forged, damaged or expired; ``expired`` tells which."""

    def __init__(self, expired: bool):
        self.expired = expired
        super().__init__("this link has expired" if expired else "this link is not valid")


def make_token(kind: str, value: str | int) -> str:
    return signing.TimestampSigner(salt=f"pledge.{kind}").sign(str(value))


def read_token(kind: str, token: str, *, max_age: int | None) -> str:
    """The value signed in ``token``; ``max_age=None`` for a link that never expires
    (unsubscribing must work from any mail, however old: C16)."""
    try:
        return signing.TimestampSigner(salt=f"pledge.{kind}").unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise BadToken(expired=True) from None
    except signing.BadSignature:
        raise BadToken(expired=False) from None
