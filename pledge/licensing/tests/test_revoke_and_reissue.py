"""Revoking and re-issuing: the old key stays on record, every step is audited."""

from __future__ import annotations

import pytest

from pledge.licensing import keys
from pledge.licensing.models import LicenseKey, Registration
from pledge.licensing.ownership import (
    LicensingRefused,
    current_key,
    key_standing,
    owned_skus,
    reissue_key,
    revoke_for_order,
    revoke_registration,
)
from pledge.policy.models import AuditEvent


def test_revoking_ends_ownership_and_the_key_and_audits_who_and_why(
    make_person, register, make_staff_member
):
    ada, clerk = make_person(), make_staff_member()
    registration = register(ada)
    serial = current_key(registration).serial

    assert revoke_registration(registration, "refunded on request", by=clerk) is True

    registration.refresh_from_db()
    key = LicenseKey.objects.get(serial=serial)
    event = AuditEvent.objects.get(action="licensing.revoke")
    assert (registration.status, registration.revoked_reason, key.status, key.ended_reason) == (
        "revoked",
        "refunded on request",
        "revoked",
        "refunded on request",
    )
    assert current_key(registration) is None
    assert owned_skus(ada) == frozenset()
    assert (event.actor_id, event.subject_id, event.reason) == (
        clerk.pk,
        ada.pk,
        "refunded on request",
    )
    assert (event.detail["old"], event.detail["new"], event.detail["keys"]) == (
        "active",
        "revoked",
        [serial],
    )


def test_revoking_twice_changes_nothing_the_second_time(make_person, register):
    registration = register(make_person())
    revoke_registration(registration, "chargeback")

    assert revoke_registration(registration, "again") is False
    assert AuditEvent.objects.filter(action="licensing.revoke").count() == 1


def test_a_revocation_needs_a_reason(make_person, register):
    registration = register(make_person())

    with pytest.raises(LicensingRefused):
        revoke_registration(registration, "   ")

    registration.refresh_from_db()
    assert registration.status == "active"


def test_revoke_for_order_revokes_every_line_of_the_order(make_person, professional, standard):
    from pledge.licensing.ownership import register_owner

    ada = make_person()
    register_owner(ada, professional, "ORD-9", line_ref="1")
    register_owner(ada, standard, "ORD-9", line_ref="2")
    other = register_owner(ada, standard, "ORD-10", line_ref="1")

    revoked = revoke_for_order("ORD-9", "refunded")

    assert sorted(r.line_ref for r in revoked) == ["1", "2"]
    assert owned_skus(ada) == frozenset({"cg-standard"})
    assert Registration.objects.get(pk=other.pk).status == "active"
    assert revoke_for_order("ORD-9", "refunded") == []


def test_reissue_replaces_the_current_key_and_the_old_one_is_refused_on_record(
    make_person, register, make_staff_member
):
    clerk = make_staff_member()
    registration = register(make_person())
    old = current_key(registration)

    new = reissue_key(registration, by=clerk, reason="the customer's key leaked")

    old.refresh_from_db()
    assert (old.status, old.ended_reason) == (
        "replaced",
        f"replaced by {new.serial}: the customer's key leaked",
    )
    assert current_key(registration) == new
    assert key_standing(new.serial) == new
    with pytest.raises(keys.InvalidKey) as refused:
        key_standing(old.serial)
    assert refused.value.reason == keys.Reason.REPLACED
    event = AuditEvent.objects.get(action="licensing.reissue")
    assert (event.actor_id, event.detail["old"], event.detail["new"]) == (
        clerk.pk,
        old.serial,
        new.serial,
    )


def test_a_revoked_registration_gets_no_new_key(make_person, register):
    registration = register(make_person())
    revoke_registration(registration, "refunded")

    with pytest.raises(LicensingRefused):
        reissue_key(registration, by=None)

    assert LicenseKey.objects.filter(status="current").count() == 0
    assert AuditEvent.objects.filter(action="licensing.reissue").count() == 0


def test_the_record_tells_revoked_and_unknown_keys_apart(make_person, register):
    registration = register(make_person())
    serial = current_key(registration).serial
    revoke_registration(registration, "chargeback")

    with pytest.raises(keys.InvalidKey) as revoked:
        key_standing(serial)
    with pytest.raises(keys.InvalidKey) as unknown:
        key_standing("ZZZZ-ZZZZ")

    assert (revoked.value.reason, unknown.value.reason) == (
        keys.Reason.REVOKED,
        keys.Reason.NOT_ON_RECORD,
    )
    assert revoked.value.message.endswith(": chargeback")
