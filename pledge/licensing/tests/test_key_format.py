"""The key format: sign and verify, and every way a key is refused, with its reason."""

from __future__ import annotations

import base64
import datetime
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pledge.licensing.keys import Claims, InvalidKey, Reason, read, sign, verify

TODAY = datetime.date(2026, 11, 26)
SIGNER = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
TRUSTED = {"k1": SIGNER.public_key()}
CLAIMS = Claims(
    kid="k1",
    serial="ABCD-EFGH-IJKL-MNOP",
    sku="cg-professional",
    issued_on=TODAY,
    entitlements={"edition": "Professional", "seats": 3},
    expires_on=datetime.date(2027, 11, 26),
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def refusal(text: str, **kwargs) -> tuple[Reason, str]:
    with pytest.raises(InvalidKey) as refused:
        verify(text, kwargs.pop("keys", TRUSTED), today=kwargs.pop("today", TODAY), **kwargs)
    return refused.value.reason, refused.value.message


def test_a_signed_key_verifies_and_gives_back_its_claims():
    key = sign(CLAIMS, SIGNER)

    assert verify(key, TRUSTED, today=TODAY, products=["cg-professional"]) == CLAIMS


def test_the_key_is_one_line_of_three_dotted_parts_that_names_no_one():
    key = sign(CLAIMS, SIGNER)
    prefix, payload, signature = key.split(".")

    assert (prefix, len(unb64(signature))) == ("LK1", 64)
    assert json.loads(unb64(payload)) == {
        "kid": "k1",
        "lic": "ABCD-EFGH-IJKL-MNOP",
        "sku": "cg-professional",
        "ent": {"edition": "Professional", "seats": 3},
        "iat": "2026-11-26",
        "exp": "2027-11-26",
    }


def test_a_key_without_expiry_has_no_exp_and_never_expires():
    key = sign(Claims("k1", "S-1", "cg-standard", TODAY, {"seats": 1}), SIGNER)

    claims = verify(key, TRUSTED, today=datetime.date(2999, 1, 1))

    assert (claims.expires_on, "exp" in json.loads(unb64(key.split(".")[1]))) == (None, False)


def test_line_breaks_and_spaces_from_a_wrapped_mail_are_ignored():
    key = sign(CLAIMS, SIGNER)
    wrapped = "  " + "\n".join(key[i : i + 60] for i in range(0, len(key), 60)) + "\n"

    assert verify(wrapped, TRUSTED, today=TODAY) == CLAIMS


def test_a_tampered_payload_is_a_bad_signature():
    prefix, payload, signature = sign(CLAIMS, SIGNER).split(".")
    data = json.loads(unb64(payload))
    data["ent"]["seats"] = 300
    forged = f"{prefix}.{b64(json.dumps(data).encode())}.{signature}"

    assert refusal(forged)[0] == Reason.BAD_SIGNATURE


def test_a_tampered_signature_is_a_bad_signature():
    prefix, payload, signature = sign(CLAIMS, SIGNER).split(".")
    raw = bytearray(unb64(signature))
    raw[10] ^= 0x01
    forged = f"{prefix}.{payload}.{b64(bytes(raw))}"

    reason, message = refusal(forged)

    assert (reason, message) == (
        Reason.BAD_SIGNATURE,
        "the signature does not match the key's contents under key id 'k1': "
        "the key was altered or not signed by us",
    )


def test_a_key_signed_by_another_private_key_under_our_key_id_is_refused():
    assert refusal(sign(CLAIMS, OTHER))[0] == Reason.BAD_SIGNATURE


def test_an_unknown_key_id_is_named():
    key = sign(Claims("k9", "S-1", "cg-standard", TODAY), OTHER)

    assert refusal(key) == (
        Reason.UNKNOWN_KEY_ID,
        "the key was signed with key id 'k9', which this verifier does not know (it knows: k1)",
    )


def test_a_key_is_valid_through_its_last_day_and_expired_the_day_after():
    last_day = CLAIMS.expires_on
    key = sign(CLAIMS, SIGNER)

    assert verify(key, TRUSTED, today=last_day) == CLAIMS
    assert refusal(key, today=last_day + datetime.timedelta(days=1)) == (
        Reason.EXPIRED,
        "the key expired at the end of 2027-11-26 (UTC)",
    )


def test_a_key_for_another_product_is_refused():
    assert refusal(sign(CLAIMS, SIGNER), products=["cg-standard"]) == (
        Reason.WRONG_PRODUCT,
        "the key is for product 'cg-professional', not cg-standard",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "a key has three parts separated by dots (LK1.payload.signature); this has 1"),
        ("LK1.abc", "a key has three parts separated by dots (LK1.payload.signature); this has 2"),
        ("XX1.abcd.abcd", "a key starts with LK1., not 'XX1'"),
        ("LK1.ab$d.abcd", "the payload is not base64url text"),
        ("LK1.abcd.a+/=", "the signature is not base64url text"),
        ("LK1.abcd.abcd", "the signature is 3 bytes, not 64"),
    ],
)
def test_malformed_text_is_refused_with_what_is_wrong(text, message):
    assert refusal(text) == (Reason.MALFORMED, message)


def test_malformed_base64_in_a_real_key_is_refused():
    prefix, payload, signature = sign(CLAIMS, SIGNER).split(".")

    assert refusal(f"{prefix}.{payload[:-1]}!.{signature}") == (
        Reason.MALFORMED,
        "the payload is not base64url text",
    )


def test_a_payload_that_is_not_json_or_lacks_a_field_is_malformed():
    signature = b64(bytes(64))

    assert refusal(f"LK1.{b64(b'not json')}.{signature}")[1] == "the payload is not JSON"
    assert refusal(f"LK1.{b64(b'{}')}.{signature}")[1] == "the payload has no 'kid'"
    bad_date = json.dumps({"kid": "k1", "lic": "S", "sku": "x", "iat": "26/11/2026"})
    assert refusal(f"LK1.{b64(bad_date.encode())}.{signature}")[1] == (
        "'iat' is not a date (YYYY-MM-DD)"
    )


def test_another_format_version_is_refused_as_unsupported_even_when_well_signed():
    _, payload, _ = sign(CLAIMS, SIGNER).split(".")
    signed = f"LK2.{payload}"
    key = f"{signed}.{b64(SIGNER.sign(signed.encode()))}"

    assert refusal(key) == (
        Reason.UNSUPPORTED_VERSION,
        "the key is of format version 2; this verifier reads version 1",
    )


def test_the_version_is_signed_so_relabelling_a_key_breaks_it():
    _, payload, signature = sign(CLAIMS, SIGNER).split(".")

    claims, signed, raw = read(f"LK01.{payload}.{signature}")

    assert signed == f"LK01.{payload}"
    assert refusal(f"LK01.{payload}.{signature}")[0] == Reason.BAD_SIGNATURE


def test_the_example_key_in_the_docs_verifies_with_the_demo_public_key_it_names():
    from pathlib import Path

    from django.conf import settings

    from pledge.licensing.keyring import demo_signing_key, encode_public

    docs = (Path(settings.BASE_DIR) / "docs" / "licenses.md").read_text()
    example = next(line for line in docs.splitlines() if line.startswith("LK1."))
    demo_public = encode_public(demo_signing_key().public_key())

    claims = verify(example, {"demo": demo_signing_key().public_key()}, today=TODAY)

    assert f"public key `{demo_public}`" in docs
    assert (claims.serial, claims.sku, claims.entitlements) == (
        "NVZT-2KUD-7DZY-GCVQ",
        "cg-professional",
        {"edition": "Professional", "seats": 1},
    )
