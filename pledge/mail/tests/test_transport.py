"""The SMTP session: STARTTLS and login when the settings ask for them."""

from __future__ import annotations

import ssl

import pytest
from aiosmtpd.smtp import AuthResult

from pledge.mail.catcher import Sink, start_server
from pledge.mail.delivery import deliver_due
from pledge.policy.models import AuditEvent
from pledge.tests.certificates import self_signed


@pytest.fixture
def strict_relay(settings, tmp_path):
    """A relay that takes mail only after STARTTLS and a login as pledge/s3cret."""
    cert_file, key_file = self_signed(tmp_path, "relay.test", ip="127.0.0.1")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        granted = (auth_data.login, auth_data.password) == (b"pledge", b"s3cret")
        # handled=False: aiosmtpd answers a refusal with 535 itself.
        return AuthResult(success=granted, handled=False)

    sink = Sink()
    controller = start_server(
        sink,
        host="127.0.0.1",
        port=0,
        tls_context=tls,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    settings.SMTP_HOST, settings.SMTP_PORT = "127.0.0.1", controller.port
    settings.SMTP_STARTTLS, settings.SMTP_CA_FILE = True, str(cert_file)
    settings.SMTP_USER, settings.SMTP_PASSWORD = "pledge", "s3cret"
    yield sink, logins
    controller.stop()


def test_starttls_and_login_when_the_settings_ask(strict_relay, make_person, queue_notice):
    sink, logins = strict_relay
    row = queue_notice(make_person())

    result = deliver_due()

    assert [d.outcome for d in result.deliveries] == ["sent"]
    assert logins == [(b"pledge", b"s3cret")]
    assert [r.message["Message-ID"] for r in sink.messages] == [row.message_id]
    assert AuditEvent.objects.get(action="mail.sent").detail["message"] == row.pk


def test_a_wrong_password_leaves_the_mail_queued(settings, strict_relay, make_person, queue_notice):
    sink, _ = strict_relay
    settings.SMTP_PASSWORD = "wrong"
    row = queue_notice(make_person())

    result = deliver_due()

    row.refresh_from_db()
    assert result.unavailable.endswith("(535, b'5.7.8 Authentication credentials invalid')")
    assert (row.status, row.attempts, sink.messages) == ("queued", 0, [])
    assert AuditEvent.objects.filter(action__startswith="mail.").count() == 0
