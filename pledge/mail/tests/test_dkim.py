"""DKIM: when configured, every message is signed, its unsubscribe headers included."""

from __future__ import annotations

import base64
import re

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pledge.mail.delivery import deliver_due
from pledge.tests.test_settings import run_pledge

SELECTOR = "pledge2026"


@pytest.fixture
def dkim_key(settings, tmp_path):
    """An RSA key for the test, configured as the DKIM key; yields its DNS TXT record."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.DKIM_SELECTOR, settings.DKIM_PRIVATE_KEY_FILE = SELECTOR, str(key_file)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def _dns(record):
    """A resolver that knows only our selector's record: no DNS is asked."""

    def lookup(name, timeout=5):
        return record if name == f"{SELECTOR}._domainkey.claxton.localhost.".encode() else None

    return lookup


def _signed_headers(raw):
    signature = raw.split(b"\r\n\r\n", 1)[0].decode()
    tags = re.search(r"DKIM-Signature:(.*?)(?=\r\n\S)", signature, re.S).group(1)
    h = re.search(r"h=([^;]+)", re.sub(r"\s+", "", tags)).group(1)
    return h.split(":")


def test_a_newsletter_is_signed_over_its_unsubscribe_headers_and_verifies(
    dkim_key, smtp_sink, subscribed, queue_notice
):
    person = subscribed()
    queue_notice(person, purpose="newsletter")

    deliver_due()

    raw = smtp_sink.messages[-1].data
    assert dkim.verify(raw, dnsfunc=_dns(dkim_key)) is True
    assert _signed_headers(raw) == [
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "auto-submitted",
        "list-id",
        "list-unsubscribe",
        "list-unsubscribe-post",
    ]


def test_a_changed_unsubscribe_header_breaks_the_signature(
    dkim_key, smtp_sink, subscribed, queue_notice
):
    person = subscribed()
    queue_notice(person, purpose="newsletter")
    deliver_due()
    raw = smtp_sink.messages[-1].data

    tampered = raw.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"X-Gone: 1")

    assert dkim.verify(tampered, dnsfunc=_dns(dkim_key)) is False


def test_mail_outside_lists_is_signed_too(dkim_key, smtp_sink, make_person, queue_notice):
    queue_notice(make_person())

    deliver_due()

    raw = smtp_sink.messages[-1].data
    assert dkim.verify(raw, dnsfunc=_dns(dkim_key)) is True
    assert "list-unsubscribe" not in _signed_headers(raw)


def test_without_a_key_nothing_is_signed(smtp_sink, make_person, queue_notice):
    queue_notice(make_person())

    deliver_due()

    assert smtp_sink.messages[-1].message["DKIM-Signature"] is None


def test_half_a_dkim_configuration_is_refused_at_start(tmp_path):
    result = run_pledge("check", PLEDGE_DKIM_SELECTOR=SELECTOR, PLEDGE_VAR_DIR=str(tmp_path))

    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: PLEDGE_DKIM_SELECTOR and "
        "PLEDGE_DKIM_PRIVATE_KEY_FILE are set together or not at all"
    )


def test_a_missing_key_file_is_refused_at_start(tmp_path):
    missing = tmp_path / "no-such-key.pem"

    result = run_pledge(
        "check",
        PLEDGE_DKIM_SELECTOR=SELECTOR,
        PLEDGE_DKIM_PRIVATE_KEY_FILE=str(missing),
        PLEDGE_VAR_DIR=str(tmp_path),
    )

    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: PLEDGE_DKIM_PRIVATE_KEY_FILE: "
        f"no file at {missing}"
    )
