"""The license key format: compact text, signed with Ed25519, verified offline.

A key reads ``LK1.<payload>.<signature>`` (docs/licenses.md is the reference the
desktop product's developers work from):

* ``LK1`` names the format and its version;
* ``payload`` is base64url (no padding) of compact JSON: the signing key's id
  (``kid``), the key's serial number (``lic``), the product's SKU (``sku``), the
  entitlements (``ent``), the issue date (``iat``) and, if any, the last day it
  is valid (``exp``), both ISO dates in UTC;
* ``signature`` is base64url of the Ed25519 signature of the ASCII text
  ``LK1.<payload>``, so the version is signed too.

The key names no one: no name, no address, no account number. It can be pasted
into a forum post without saying whose it is. Nothing here touches the database:
the same rules run in ``pledge license verify --offline`` and in the product.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "LK"
VERSION = 1
PREFIX = f"{FORMAT}{VERSION}"
SIGNATURE_BYTES = 64
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_PREFIX = re.compile(rf"^{FORMAT}(\d+)$")
_WHITESPACE = re.compile(r"\s+")


class Reason(StrEnum):
    """Why a key is refused: one word for scripts, and ``InvalidKey.message`` for people."""

    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported-version"
    UNKNOWN_KEY_ID = "unknown-key-id"
    BAD_SIGNATURE = "bad-signature"
    EXPIRED = "expired"
    WRONG_PRODUCT = "wrong-product"
    # Only the database knows these (``ownership.key_standing``).
    REVOKED = "revoked"
    REPLACED = "replaced"
    NOT_ON_RECORD = "not-on-record"


class InvalidKey(ValueError):
    """A key that does not verify; ``reason`` says which rule it broke."""

    def __init__(self, reason: Reason, message: str):
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


@dataclass(frozen=True)
class Claims:
    """What a key says: which product, what it entitles to, from when, until when."""

    kid: str
    serial: str
    sku: str
    issued_on: datetime.date
    entitlements: dict[str, Any] = field(default_factory=dict)
    expires_on: datetime.date | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kid": self.kid,
            "lic": self.serial,
            "sku": self.sku,
            "ent": self.entitlements,
            "iat": self.issued_on.isoformat(),
        }
        if self.expires_on is not None:
            data["exp"] = self.expires_on.isoformat()
        return data


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    # Strict: the alphabet of base64url only, and no length base64 cannot make.
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise InvalidKey(Reason.MALFORMED, f"the {what} is not base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidKey(Reason.MALFORMED, f"the {what} is not base64url text") from None


def sign(claims: Claims, private_key: Ed25519PrivateKey) -> str:
    """The key text for ``claims``, signed with ``private_key`` (whose id is ``claims.kid``)."""
    payload = json.dumps(claims.payload(), sort_keys=True, separators=(",", ":"))
    signed = f"{PREFIX}.{_b64encode(payload.encode('utf-8'))}"
    return f"{signed}.{_b64encode(private_key.sign(signed.encode('ascii')))}"


def _date(data: dict[str, Any], name: str) -> datetime.date:
    value = data[name]
    try:
        if not isinstance(value, str):
            raise TypeError
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidKey(Reason.MALFORMED, f"{name!r} is not a date (YYYY-MM-DD)") from None


def _claims(payload: bytes) -> Claims:
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidKey(Reason.MALFORMED, "the payload is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidKey(Reason.MALFORMED, "the payload is not a JSON object")
    for name in ("kid", "lic", "sku", "iat"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise InvalidKey(Reason.MALFORMED, f"the payload has no {name!r}")
    if not isinstance(data.get("ent", {}), dict):
        raise InvalidKey(Reason.MALFORMED, "'ent' (the entitlements) is not a JSON object")
    return Claims(
        kid=data["kid"],
        serial=data["lic"],
        sku=data["sku"],
        issued_on=_date(data, "iat"),
        entitlements=data.get("ent", {}),
        expires_on=_date(data, "exp") if data.get("exp") is not None else None,
    )


def read(text: str) -> tuple[Claims, str, bytes]:
    """Take a key apart without trusting it: its claims, the signed text and the signature.

    Whitespace anywhere is ignored (a mail program may wrap a long key).
    Raises InvalidKey (malformed, unsupported-version).
    """
    text = _WHITESPACE.sub("", text)
    parts = text.split(".")
    if len(parts) != 3 or not all(parts):
        raise InvalidKey(
            Reason.MALFORMED,
            f"a key has three parts separated by dots ({PREFIX}.payload.signature); "
            f"this has {len(parts)}",
        )
    prefix, payload, signature = parts
    version = _PREFIX.match(prefix)
    if version is None:
        raise InvalidKey(Reason.MALFORMED, f"a key starts with {PREFIX}., not {prefix[:12]!r}")
    if int(version.group(1)) != VERSION:
        raise InvalidKey(
            Reason.UNSUPPORTED_VERSION,
            f"the key is of format version {int(version.group(1))}; "
            f"this verifier reads version {VERSION}",
        )
    raw_payload = _b64decode(payload, "payload")
    raw_signature = _b64decode(signature, "signature")
    if len(raw_signature) != SIGNATURE_BYTES:
        raise InvalidKey(
            Reason.MALFORMED, f"the signature is {len(raw_signature)} bytes, not {SIGNATURE_BYTES}"
        )
    claims = _claims(raw_payload)
    return claims, f"{prefix}.{payload}", raw_signature


def verify(
    text: str,
    public_keys: Mapping[str, Ed25519PublicKey],
    *,
    today: datetime.date,
    products: Collection[str] = (),
) -> Claims:
    """The claims of a genuine key still in date, or InvalidKey saying why not.

    ``public_keys`` maps key ids to the public keys the verifier trusts (old ones
    included after a rotation). ``products``, if given, are the SKUs the verifier
    accepts. ``today`` is the verifier's UTC date: a key is valid through its
    ``exp`` day.
    """
    claims, signed, signature = read(text)
    public_key = public_keys.get(claims.kid)
    if public_key is None:
        known = ", ".join(sorted(public_keys)) or "none"
        raise InvalidKey(
            Reason.UNKNOWN_KEY_ID,
            f"the key was signed with key id {claims.kid!r}, which this verifier does not "
            f"know (it knows: {known})",
        )
    try:
        public_key.verify(signature, signed.encode("ascii"))
    except InvalidSignature:
        raise InvalidKey(
            Reason.BAD_SIGNATURE,
            f"the signature does not match the key's contents under key id {claims.kid!r}: "
            "the key was altered or not signed by us",
        ) from None
    if claims.expires_on is not None and today > claims.expires_on:
        raise InvalidKey(
            Reason.EXPIRED, f"the key expired at the end of {claims.expires_on.isoformat()} (UTC)"
        )
    if products and claims.sku not in products:
        raise InvalidKey(
            Reason.WRONG_PRODUCT,
            f"the key is for product {claims.sku!r}, not {', '.join(sorted(products))}",
        )
    return claims
