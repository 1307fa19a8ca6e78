"""The keys that sign and verify license keys, from configuration.

``PLEDGE_LICENSE_SIGNING_KEY`` is ``KID:SEED``: an id the keys will carry, and the
32-byte Ed25519 private key in base64url. ``PLEDGE_LICENSE_RETIRED_KEYS`` lists
``KID:PUBLIC`` pairs, the public halves of earlier signing keys: after a rotation,
keys they signed still verify, and nothing new can be signed with them.

Without ``PLEDGE_LICENSE_SIGNING_KEY`` the demo signs with a key derived from a
fixed text, the same on every machine, so demo keys survive a fresh database. It
is for the demo only: anyone who reads this file can sign with it, and
production refuses to start without a key of its own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEMO_KID = "demo"
DEMO_SEED_TEXT = b"Pledge demo license signing key. For the demo only: it is public."
_KID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Keyring:
    """The signing key in force, and every public key a key may have been signed with."""

    signing_kid: str
    signing_key: Ed25519PrivateKey
    retired: dict[str, Ed25519PublicKey]
    demo: bool

    @property
    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        return {**self.retired, self.signing_kid: self.signing_key.public_key()}


def encode_public(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def encode_private(private_key: Ed25519PrivateKey) -> str:
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def pem_public(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _split(value: str, setting: str) -> tuple[str, bytes]:
    kid, sep, encoded = value.strip().partition(":")
    if not sep or not _KID.match(kid):
        raise ImproperlyConfigured(
            f"{setting}: write KID:KEY, where KID is 1 to 32 letters, digits, - or _ "
            f"(got {value.strip()[:12]!r}...)"
        )
    try:
        if not _B64URL.match(encoded):
            raise ValueError(encoded)
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{setting}: the key of {kid!r} is not base64url") from None
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{setting}: the key of {kid!r} is {len(raw)} bytes; an Ed25519 key is 32"
        )
    return kid, raw


def parse_signing_key(value: str) -> tuple[str, Ed25519PrivateKey]:
    kid, raw = _split(value, "PLEDGE_LICENSE_SIGNING_KEY")
    return kid, Ed25519PrivateKey.from_private_bytes(raw)


def parse_public_key(
    value: str, setting: str = "PLEDGE_LICENSE_RETIRED_KEYS"
) -> tuple[str, Ed25519PublicKey]:
    kid, raw = _split(value, setting)
    return kid, Ed25519PublicKey.from_public_bytes(raw)


def demo_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(DEMO_SEED_TEXT).digest())


def build_keyring(signing: str, retired: list[str]) -> Keyring:
    """The keyring these settings describe; ImproperlyConfigured, saying what is wrong."""
    if signing:
        kid, key = parse_signing_key(signing)
        demo = False
    else:
        kid, key, demo = DEMO_KID, demo_signing_key(), True
    old: dict[str, Ed25519PublicKey] = {}
    for entry in retired:
        if not entry.strip():
            continue
        old_kid, public = parse_public_key(entry)
        if old_kid == kid or old_kid in old:
            raise ImproperlyConfigured(
                f"PLEDGE_LICENSE_RETIRED_KEYS: key id {old_kid!r} appears twice; "
                "each key id names one key for ever"
            )
        old[old_kid] = public
    return Keyring(signing_kid=kid, signing_key=key, retired=old, demo=demo)


_cache: dict[tuple[str, tuple[str, ...]], Keyring] = {}


def keyring() -> Keyring:
    """The keyring of the settings in force (read once per distinct setting)."""
    signing = settings.LICENSE_SIGNING_KEY
    retired = tuple(settings.LICENSE_RETIRED_KEYS)
    found = _cache.get((signing, retired))
    if found is None:
        found = _cache[(signing, retired)] = build_keyring(signing, list(retired))
    return found
