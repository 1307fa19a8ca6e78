"""C21 for owners: export shows registrations and keys; erasure keeps the license, naming no one."""

from __future__ import annotations

from django.utils import timezone

from pledge.licensing import keys
from pledge.licensing.keyring import keyring
from pledge.licensing.models import LicenseKey, Registration
from pledge.licensing.ownership import current_key
from pledge.policy.models import AuditEvent
from pledge.rights.erasure import erase_person, kept_after_erasure
from pledge.rights.export import export_person_data

NAME, EMAIL = "Yolanda Keyholder-Fenn", "yolanda.kf.91c2@leak-probe.example"


def rows_of(export, model):
    return next(s["rows"] for s in export["stores"] if s["model"] == model)


def test_the_export_shows_the_registration_and_every_key(make_person, register):
    ada = make_person()
    registration = register(ada)
    key = current_key(registration)

    export = export_person_data(ada, via="account")

    registrations = rows_of(export, "licensing.Registration")
    licenses = rows_of(export, "licensing.LicenseKey")
    assert [r["fields"][0]["value"] for r in registrations] == ["ContactGenie Professional"]
    assert [r["policy_version"] for r in registrations] == [1]
    assert [r["fields"][0]["value"] for r in licenses] == [key.serial]
    assert {d["field"]: d["value"] for d in licenses[0]["details"]}["key"] == key.key


def test_erasure_keeps_the_license_valid_and_it_names_no_one(make_person, register):
    owner = make_person(EMAIL, name=NAME)
    registration = register(owner)
    key = current_key(registration)

    steps = erase_person(owner, via="link")

    registration.refresh_from_db()
    kept = {s.model: (s.rule, s.rows, s.retention) for s in steps}
    assert kept["licensing.Registration"] == ("keep", 1, "licenses")
    assert kept["licensing.LicenseKey"] == ("keep", 1, "licenses")
    assert (registration.status, LicenseKey.objects.get(pk=key.pk).status) == ("active", "current")
    claims = keys.verify(key.key, keyring().public_keys, today=timezone.now().date())
    assert claims.serial == key.serial
    rows = [
        str(value)
        for model in (Registration, LicenseKey)
        for row in model.objects.values()
        for value in row.values()
    ]
    assert [r for r in rows if NAME in r or EMAIL in r or "yolanda" in r.lower()] == []
    assert AuditEvent.objects.get(action="rights.erase").detail["stores"][
        "licensing.Registration"
    ] == {"rule": "keep", "rows": 1}


def test_the_delete_page_explains_why_licenses_are_kept(policy):
    rules = {rule["key"]: rule for rule in kept_after_erasure()}

    assert (
        rules["licenses"]["keep"]
        == "For as long as the license runs, and seven years after it ends"
    )
