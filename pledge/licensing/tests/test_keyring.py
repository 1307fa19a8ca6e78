"""The signing key from configuration: the demo's fixed key, rotation by key id, loud errors."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from pledge.licensing import keys
from pledge.licensing.checks import check_keyring
from pledge.licensing.keyring import (
    DEMO_KID,
    build_keyring,
    demo_signing_key,
    encode_private,
    encode_public,
    keyring,
)
from pledge.licensing.ownership import current_key, reissue_key

OLD = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
NEW = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))


def test_the_demo_key_is_the_same_everywhere_and_says_it_is_the_demo_s(settings):
    settings.LICENSE_SIGNING_KEY, settings.LICENSE_RETIRED_KEYS = "", []

    ring = keyring()

    assert (ring.signing_kid, ring.demo) == (DEMO_KID, True)
    assert encode_public(ring.signing_key.public_key()) == encode_public(
        demo_signing_key().public_key()
    )
    assert encode_public(ring.signing_key.public_key()) == (
        "cgvtYn4viL8BTGMVoNJEDq-Me8Xzw23np3w23F2RxGQ"
    )


def test_after_rotation_old_keys_verify_with_the_retired_public_key_and_new_ones_use_the_new_id(
    settings, make_person, register
):
    settings.LICENSE_SIGNING_KEY = f"2026a:{encode_private(OLD)}"
    registration = register(make_person())
    old_key = current_key(registration).key

    settings.LICENSE_SIGNING_KEY = f"2027a:{encode_private(NEW)}"
    settings.LICENSE_RETIRED_KEYS = [f"2026a:{encode_public(OLD.public_key())}"]
    new_key = reissue_key(registration, by=None).key

    trusted = keyring().public_keys
    today = timezone.now().date()
    assert sorted(trusted) == ["2026a", "2027a"]
    assert keys.verify(old_key, trusted, today=today).kid == "2026a"
    assert keys.verify(new_key, trusted, today=today).kid == "2027a"
    # A verifier that was given only the new public key refuses the old key by its id.
    with pytest.raises(keys.InvalidKey) as refused:
        keys.verify(old_key, {"2027a": NEW.public_key()}, today=today)
    assert refused.value.reason == keys.Reason.UNKNOWN_KEY_ID


@pytest.mark.parametrize(
    ("signing", "retired", "message"),
    [
        ("no-colon", [], "PLEDGE_LICENSE_SIGNING_KEY: write KID:KEY, where KID is 1 to 32"),
        ("k1:c2hvcnQ", [], "PLEDGE_LICENSE_SIGNING_KEY: the key of 'k1' is 5 bytes; an Ed25519"),
        ("", ["old:!!!"], "PLEDGE_LICENSE_RETIRED_KEYS: the key of 'old' is not base64url"),
        (
            f"k1:{encode_private(NEW)}",
            [f"k1:{encode_public(OLD.public_key())}"],
            "PLEDGE_LICENSE_RETIRED_KEYS: key id 'k1' appears twice",
        ),
    ],
)
def test_a_bad_key_setting_is_a_clear_error(signing, retired, message):
    with pytest.raises(ImproperlyConfigured) as bad:
        build_keyring(signing, retired)

    assert str(bad.value).startswith(message)


def test_pledge_check_reports_a_bad_key_setting(settings):
    settings.LICENSE_SIGNING_KEY = "k1:c2hvcnQ"

    errors = check_keyring()

    assert [(e.id, e.msg) for e in errors] == [
        (
            "licensing.E001",
            "PLEDGE_LICENSE_SIGNING_KEY: the key of 'k1' is 5 bytes; an Ed25519 key is 32",
        )
    ]


def test_public_key_prints_every_key_id_with_its_state(settings, capsys):
    settings.LICENSE_SIGNING_KEY = f"2027a:{encode_private(NEW)}"
    settings.LICENSE_RETIRED_KEYS = [f"2026a:{encode_public(OLD.public_key())}"]

    call_command("license_public_key")
    text = capsys.readouterr().out
    call_command("license_public_key", "--format", "pem")
    pem = capsys.readouterr().out

    assert text.splitlines() == [
        f"2027a\t{encode_public(NEW.public_key())}\tsigning",
        f"2026a\t{encode_public(OLD.public_key())}\tretired",
    ]
    assert pem.count("-----BEGIN PUBLIC KEY-----") == 2
    assert pem.splitlines()[0] == "# key id 2027a: signing"


def test_production_refuses_to_start_without_a_signing_key(tmp_path):
    from pledge.tests.test_settings import PRODUCTION, run_pledge

    env = {k: v for k, v in PRODUCTION.items() if k != "PLEDGE_LICENSE_SIGNING_KEY"}

    result = run_pledge("check", PLEDGE_VAR_DIR=str(tmp_path), **env)

    assert result.returncode != 0
    assert (
        "PLEDGE_LICENSE_SIGNING_KEY must be set in production: `pledge license keygen KID` "
        "makes one" in result.stderr
    )
