"""Registering owners, issuing, re-issuing and revoking their keys: the one door, audited.

The orders app calls ``register_owner`` for each paid order line and
``revoke_for_order`` when an order is refunded or charged back; staff revoke and
re-issue from the admin. Each action writes its audit row in its own
transaction. ``owned_skus`` is what mailing lists ask (C10): only an active
registration makes a person a registered owner.
"""

from __future__ import annotations

import base64
import datetime
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from pledge.policy.audit import record_audit
from pledge.policy.collect import stamp
from pledge.policy.consent import record_consent
from pledge.policy.models import Consent, ConsentState
from pledge.policy.versions import current_version

from . import keys
from .keyring import keyring
from .models import LicenseKey, Registration

POINT = "order"
PURCHASES = "user.behavior.purchase_history"
# Where a withdrawn product-list consent is recorded as collected.
LISTS_POINT = "mailing_lists"


class LicensingRefused(ValueError):
    """The action cannot be done; the message says why, for staff and for logs."""


class OwnershipConflict(LicensingRefused):
    """The order line is registered already, to another person or product."""


def default_entitlements(product: Any) -> dict[str, Any]:
    """What a key grants when the order says nothing more: the product's edition, one seat."""
    return {"edition": product.edition, "seats": 1}


def new_serial() -> str:
    """A key's serial number: 80 random bits in base32, in groups of four to read aloud."""
    text = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _today() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()


def _issue(registration: Registration) -> LicenseKey:
    ring = keyring()
    serial = new_serial()
    claims = keys.Claims(
        kid=ring.signing_kid,
        serial=serial,
        sku=registration.product.sku,
        issued_on=_today(),
        entitlements=registration.entitlements,
        expires_on=registration.expires_on,
    )
    return LicenseKey.objects.create(
        registration=registration,
        serial=serial,
        kid=ring.signing_kid,
        key=keys.sign(claims, ring.signing_key),
        issued_at=timezone.now(),
        expires_on=registration.expires_on,
    )


def _same_line(registration: Registration, person: Any, product: Any) -> Registration:
    if registration.person_id != person.pk or registration.product_id != product.pk:
        raise OwnershipConflict(
            f"order line {registration.order_ref}/{registration.line_ref} is registered "
            f"already, as registration #{registration.pk}, to another person or product"
        )
    return registration


def register_owner(
    person: Any,
    product: Any,
    order_ref: str,
    *,
    line_ref: str = "",
    entitlements: dict[str, Any] | None = None,
    expires_on: datetime.date | None = None,
) -> Registration:
    """Register ``person`` as owner of ``product`` for one paid order line, with a key.

    Idempotent per (``order_ref``, ``line_ref``): a second call, a retried webhook or
    a race between two workers returns the same registration and issues no second
    key (a revoked one is returned as it is). Raises OwnershipConflict if the line
    is registered to someone else or for another product. Audited as
    ``licensing.register``.
    """
    if not order_ref:
        raise LicensingRefused("an order reference is needed to register an owner")
    line = Registration.objects.filter(order_ref=order_ref, line_ref=line_ref)
    with transaction.atomic():
        existing = line.first()
        if existing is not None:
            return _same_line(existing, person, product)
        registration = Registration(
            person=person,
            product=product,
            order_ref=order_ref,
            line_ref=line_ref,
            entitlements=entitlements
            if entitlements is not None
            else default_entitlements(product),
            expires_on=expires_on,
            registered_at=timezone.now(),
        )
        stamp(registration, POINT)
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError:
            # Another worker registered the same line a moment ago.
            return _same_line(line.get(), person, product)
        issued = _issue(registration)
        record_audit(
            "licensing.register",
            subject_id=person.pk,
            categories=[PURCHASES],
            reason=f"registered owner of {product.sku} by order {order_ref}",
            detail={
                "registration": registration.pk,
                "order": order_ref,
                "line": line_ref,
                "sku": product.sku,
                "serial": issued.serial,
                "kid": issued.kid,
            },
        )
    return registration


def current_key(registration: Registration) -> LicenseKey | None:
    """The key in force for ``registration``; None once it is revoked."""
    return registration.keys.filter(status=LicenseKey.Status.CURRENT).first()


def reissue_key(registration: Registration, *, by: Any, reason: str = "") -> LicenseKey:
    """Issue a new key for an active registration; the current one is replaced.

    For a key that leaked or was lost: the old key stays on record as replaced, so
    a check against the database refuses it. Audited as ``licensing.reissue``.
    """
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if not registration.is_active:
            raise LicensingRefused(
                f"registration #{registration.pk} is revoked: there is no key to re-issue"
            )
        old = current_key(registration)
        if old is not None:
            # Free the one-current slot before the new key takes it.
            old.status = LicenseKey.Status.REPLACED
            old.ended_at = timezone.now()
            old.save(update_fields=["status", "ended_at"])
        issued = _issue(registration)
        if old is not None:
            old.ended_reason = f"replaced by {issued.serial}" + (f": {reason}" if reason else "")
            old.save(update_fields=["ended_reason"])
        record_audit(
            "licensing.reissue",
            actor=by,
            subject_id=registration.person_id,
            categories=[PURCHASES],
            reason=reason or f"re-issued the key of registration #{registration.pk}",
            detail={
                "registration": registration.pk,
                "sku": registration.product.sku,
                "old": old.serial if old is not None else None,
                "new": issued.serial,
            },
        )
    return issued


def _owner_lists_purposes() -> list[str]:
    declaration = current_version().declaration
    return [m["purpose"] for m in declaration.get("lists", {}).values() if m.get("owners_only")]


def _leave_product_lists(registration: Registration, *, by: Any) -> list[str]:
    """Withdraw the product's list consents of someone who no longer owns it (C10)."""
    sku = registration.product.sku
    if (
        Registration.objects.active()
        .filter(person_id=registration.person_id, product__sku=sku)
        .exists()
    ):
        return []
    left = []
    for purpose in _owner_lists_purposes():
        if ConsentState.objects.filter(
            person_id=registration.person_id, purpose=purpose, scope=sku, granted=True
        ).exists():
            record_consent(
                registration.person,
                purpose,
                granted=False,
                via=Consent.Via.SYSTEM,
                collection_point=LISTS_POINT,
                scope=sku,
                actor=by,
            )
            left.append(purpose)
    return left


def revoke_registration(registration: Registration, reason: str, *, by: Any = None) -> bool:
    """Revoke a registration and its key; False if it was revoked already.

    ``reason`` is recorded on the registration and in the audit row. The person is
    then no longer a registered owner of the product (unless another order makes
    them one), and leaves its updates list. Audited as ``licensing.revoke``.
    """
    reason = reason.strip()
    if not reason:
        raise LicensingRefused("say why the registration is revoked")
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if not registration.is_active:
            return False
        now = timezone.now()
        registration.status = Registration.Status.REVOKED
        registration.revoked_at = now
        registration.revoked_reason = reason[:255]
        registration.save(update_fields=["status", "revoked_at", "revoked_reason"])
        ended = list(
            registration.keys.filter(status=LicenseKey.Status.CURRENT).values_list(
                "serial", flat=True
            )
        )
        registration.keys.filter(status=LicenseKey.Status.CURRENT).update(
            status=LicenseKey.Status.REVOKED, ended_at=now, ended_reason=reason[:255]
        )
        left = _leave_product_lists(registration, by=by)
        record_audit(
            "licensing.revoke",
            actor=by,
            subject_id=registration.person_id,
            categories=[PURCHASES],
            reason=reason,
            detail={
                "registration": registration.pk,
                "order": registration.order_ref,
                "line": registration.line_ref,
                "sku": registration.product.sku,
                "old": Registration.Status.ACTIVE,
                "new": Registration.Status.REVOKED,
                "keys": ended,
                "lists_left": left,
            },
        )
    return True


def revoke_for_order(order_ref: str, reason: str, *, by: Any = None) -> list[Registration]:
    """Revoke every active registration of an order (a refund, a chargeback).

    Returns the registrations it revoked; none if the order registered nothing or
    was revoked already, so calling it twice is harmless.
    """
    revoked = []
    for registration in Registration.objects.active().filter(order_ref=order_ref):
        if revoke_registration(registration, reason, by=by):
            revoked.append(registration)
    return revoked


def owned_skus(person: Any) -> frozenset[str]:
    """The SKUs ``person`` holds an active registration for: a registered owner's products."""
    if person is None or getattr(person, "pk", None) is None:
        return frozenset()
    return frozenset(
        Registration.objects.active()
        .filter(person_id=person.pk)
        .values_list("product__sku", flat=True)
    )


def key_standing(serial: str) -> LicenseKey:
    """The recorded key with this serial if it is current; InvalidKey if the record says no."""
    found = LicenseKey.objects.select_related("registration").filter(serial=serial).first()
    if found is None:
        raise keys.InvalidKey(
            keys.Reason.NOT_ON_RECORD,
            f"no key {serial} was issued by this database: it may come from another "
            "installation, or it was never issued",
        )
    when = f"{found.ended_at:%Y-%m-%d %H:%M} UTC" if found.ended_at else "an unknown date"
    if found.status == LicenseKey.Status.REVOKED:
        raise keys.InvalidKey(
            keys.Reason.REVOKED, f"key {serial} was revoked on {when}: {found.ended_reason}"
        )
    if found.status == LicenseKey.Status.REPLACED:
        raise keys.InvalidKey(
            keys.Reason.REPLACED, f"key {serial} was replaced on {when} ({found.ended_reason})"
        )
    return found
