"""Registering an owner by a paid order line: once per line, stamped, audited, with one key."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from pledge.licensing import keys
from pledge.licensing.keyring import keyring
from pledge.licensing.models import LicenseKey, Registration
from pledge.licensing.ownership import (
    OwnershipConflict,
    current_key,
    owned_skus,
    register_owner,
)
from pledge.policy.models import AuditEvent


def test_a_paid_line_registers_the_owner_with_a_key_that_verifies(
    make_person, professional, policy
):
    ada = make_person("ada@example.com")

    registration = register_owner(ada, professional, "ORD-1", line_ref="1")

    key = current_key(registration)
    claims = keys.verify(
        key.key, keyring().public_keys, today=timezone.now().date(), products=["cg-professional"]
    )
    assert (registration.status, registration.collection_point, registration.collected_under) == (
        "active",
        "order",
        policy,
    )
    assert (claims.serial, claims.kid, claims.entitlements, claims.expires_on) == (
        key.serial,
        "demo",
        {"edition": "Professional", "seats": 1},
        None,
    )


def test_registering_the_same_line_twice_returns_the_same_registration_and_one_key(
    make_person, professional
):
    ada = make_person()

    first = register_owner(ada, professional, "ORD-1", line_ref="1")
    second = register_owner(ada, professional, "ORD-1", line_ref="1")

    assert second.pk == first.pk
    assert LicenseKey.objects.count() == 1
    assert AuditEvent.objects.filter(action="licensing.register").count() == 1


def test_each_line_of_an_order_is_its_own_registration(make_person, professional, standard):
    ada = make_person()

    register_owner(ada, professional, "ORD-1", line_ref="1")
    register_owner(ada, standard, "ORD-1", line_ref="2")

    assert owned_skus(ada) == frozenset({"cg-professional", "cg-standard"})
    assert LicenseKey.objects.count() == 2


def test_a_line_registered_to_someone_else_is_refused_and_changes_nothing(
    make_person, professional
):
    ada, grace = make_person(), make_person()
    register_owner(ada, professional, "ORD-1")

    with pytest.raises(OwnershipConflict):
        register_owner(grace, professional, "ORD-1")

    assert list(Registration.objects.values_list("person_id", flat=True)) == [ada.pk]


def test_registration_is_audited_by_account_number_with_the_serial_never_the_key(
    make_person, professional
):
    ada = make_person()

    registration = register_owner(
        ada,
        professional,
        "ORD-7",
        line_ref="2",
        entitlements={"edition": "Professional", "seats": 5},
        expires_on=datetime.date(2030, 1, 31),
    )

    key = current_key(registration)
    event = AuditEvent.objects.get(action="licensing.register")
    assert (event.subject_id, event.categories, event.detail) == (
        ada.pk,
        ["user.behavior.purchase_history"],
        {
            "registration": registration.pk,
            "order": "ORD-7",
            "line": "2",
            "sku": "cg-professional",
            "serial": key.serial,
            "kid": "demo",
        },
    )
    assert key.key not in str(event.detail)
    assert (key.expires_on, keys.read(key.key)[0].entitlements["seats"]) == (
        datetime.date(2030, 1, 31),
        5,
    )
