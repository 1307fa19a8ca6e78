"""`pledge license verify`: what it prints, and its exit code, for a good key and each bad one."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import CommandError, call_command

from pledge.licensing import keys
from pledge.licensing.keyring import demo_signing_key, encode_public
from pledge.licensing.ownership import current_key, reissue_key, revoke_registration

PLEDGE = Path(sys.executable).with_name("pledge")
TODAY = datetime.datetime.now(datetime.UTC).date()


def demo_key(**changes) -> str:
    claims = dict(kid="demo", serial="TEST-0001", sku="cg-professional", issued_on=TODAY)
    claims.update(changes)
    return keys.sign(keys.Claims(**claims), demo_signing_key())


def verify(*args) -> tuple[int, str, str]:
    """Run the command in-process: (exit code, stdout, the error message)."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("license_verify", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), ""


def test_a_current_key_is_valid_and_on_record(make_person, register):
    registration = register(make_person())
    key = current_key(registration)

    code, out, error = verify(key.key, "--product", "cg-professional")

    assert (code, error) == (0, "")
    assert out.splitlines() == [
        f"license key {key.serial}",
        "  product:       cg-professional",
        "  entitlements:  edition=Professional, seats=1",
        f"  issued:        {TODAY.isoformat()}",
        "  expires:       never",
        "  signed with:   key id demo",
        f"  on record:     current key of registration #{registration.pk} "
        f"(order {registration.order_ref}), not revoked",
        f"valid: license key {key.serial}",
    ]


def test_a_revoked_key_is_invalid_against_the_database_and_valid_offline(make_person, register):
    registration = register(make_person())
    key = current_key(registration)
    revoke_registration(registration, "refunded")

    online = verify(key.key)
    offline = verify(key.key, "--offline")

    assert online[0] == 1
    assert online[2].startswith(f"invalid key (revoked): key {key.serial} was revoked on ")
    assert online[2].endswith(": refunded")
    assert (offline[0], offline[1].splitlines()[-2:]) == (
        0,
        [
            "  on record:     not asked (--offline): revocation unknown",
            f"valid: license key {key.serial}",
        ],
    )


def test_a_replaced_key_is_invalid_against_the_database(make_person, register):
    registration = register(make_person())
    old = current_key(registration)
    reissue_key(registration, by=None)

    code, _, error = verify(old.key)

    assert code == 1
    assert error.startswith(f"invalid key (replaced): key {old.serial} was replaced on ")


def test_a_well_signed_key_the_database_never_issued_is_not_on_record(db):
    code, _, error = verify(demo_key(serial="NEVER-ISSUED"))

    assert (code, error) == (
        1,
        "invalid key (not-on-record): no key NEVER-ISSUED was issued by this database: it may "
        "come from another installation, or it was never issued",
    )


@pytest.mark.parametrize(
    ("key", "args", "reason"),
    [
        (lambda: "LK1.nonsense", [], "malformed"),
        (lambda: demo_key()[:-3] + "!!!", [], "malformed"),
        (lambda: "LK2" + demo_key()[3:], [], "unsupported-version"),
        (lambda: demo_key(kid="k9"), [], "unknown-key-id"),
        (lambda: demo_key()[:-6] + "AAAAAA", [], "bad-signature"),
        (
            lambda: keys.sign(
                keys.Claims("demo", "S", "cg-standard", TODAY), Ed25519PrivateKey.generate()
            ),
            [],
            "bad-signature",
        ),
        (lambda: demo_key(expires_on=TODAY - datetime.timedelta(days=1)), [], "expired"),
        (lambda: demo_key(), ["--product", "cg-standard"], "wrong-product"),
    ],
)
def test_each_invalid_key_exits_1_with_its_reason(db, key, args, reason):
    code, _, error = verify(key(), "--offline", *args)

    assert (code, error.split(":")[0]) == (1, f"invalid key ({reason})")


def run(*args, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PLEDGE), "license", "verify", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=settings.BASE_DIR,
        env={**os.environ, **(env or {})},
    )


def test_the_installed_command_exits_0_for_a_good_key_read_from_stdin():
    key = demo_key(expires_on=TODAY + datetime.timedelta(days=30))

    done = run("-", "--offline", "--product", "cg-professional", stdin=key + "\n")

    assert (done.returncode, done.stdout.splitlines()[-1], done.stderr) == (
        0,
        "valid: license key TEST-0001",
        "",
    )


def test_the_installed_command_exits_1_and_says_why_on_stderr():
    done = run(demo_key(expires_on=datetime.date(2020, 1, 31)), "--offline")

    assert (done.returncode, done.stdout, done.stderr.strip()) == (
        1,
        "",
        "CommandError: invalid key (expired): the key expired at the end of 2020-01-31 (UTC)",
    )


def test_the_installed_command_verifies_with_only_the_public_key_it_is_given():
    other = Ed25519PrivateKey.generate()
    trusted = f"demo:{encode_public(other.public_key())}"

    done = run(demo_key(), "--offline", "--public-key", trusted)

    assert done.returncode == 1
    assert done.stderr.strip().startswith("CommandError: invalid key (bad-signature):")


def test_a_database_that_cannot_answer_is_exit_3_not_a_verdict(tmp_path):
    empty = tmp_path / "empty.sqlite3"

    done = run(demo_key(), env={"DATABASE_URL": f"sqlite:///{empty}"})

    assert done.returncode == 3
    assert done.stderr.strip().startswith(
        "CommandError: the key verifies offline, but the database could not be asked whether "
        "it was revoked (no such table: licensing_licensekey); run with --offline to skip it"
    )
