"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pledge.policy.loaded import configured_declaration
from pledge.policy.models import PolicyVersion
from pledge.policy.versions import publish_version


def find_link(text: str, view_name: str) -> str:
    """The path of the first link in a mail's ``text`` that opens ``view_name``."""
    import re
    from urllib.parse import urlsplit

    from django.urls import Resolver404, resolve

    for url in re.findall(r"https?://[^\s\"<>]+", text):
        path = urlsplit(url).path
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.view_name == view_name:
            return path
    raise AssertionError(f"no {view_name} link in:\n{text}")


@pytest.fixture(autouse=True)
def quick_argon2(settings: Any) -> None:
    """Argon2 at its lowest cost: still Argon2, without 0.3 s per password in tests."""
    settings.PASSWORD_HASHERS = ["pledge.people.tests.hashers.QuickArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def no_access_log(settings: Any) -> None:
    """Tests write no access log unless they ask for one (the analytics tests do)."""
    settings.ACCESS_LOG_DIR = ""


@pytest.fixture(autouse=True)
def support_attachment_dir(settings: Any, tmp_path: Any) -> Any:
    """Support mail's attachments go to the test's own directory, never to var/."""
    settings.SUPPORT_ATTACHMENT_DIR = tmp_path / "support-attachments"
    return settings.SUPPORT_ATTACHMENT_DIR


@pytest.fixture
def policy(db: Any) -> PolicyVersion:
    """The demo declaration, published as version 1."""
    return publish_version(configured_declaration()).version


@pytest.fixture
def make_person(policy: PolicyVersion) -> Callable[..., Any]:
    """Create a verified, active person through the real collection path."""
    from django.utils import timezone

    from pledge.people.models import Person

    counter = {"n": 0}

    def make(email: str | None = None, name: str = "Ada Lovelace", **extra: Any) -> Person:
        counter["n"] += 1
        extra.setdefault("email_verified_at", timezone.now())
        return Person.objects.create_user(
            email or f"person{counter['n']}@example.com",
            "correct horse battery staple",
            name=name,
            **extra,
        )

    return make


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on a free 127.0.0.1 port, for one test.

    Settings point the outbox worker at it (SMTP_HOST, SMTP_PORT; no STARTTLS, no
    login), so mail goes over a real SMTP conversation: enqueue with
    ``pledge.mail.outbox.enqueue``, then deliver with
    ``pledge.mail.delivery.deliver_due()``, which returns when the server has
    answered every message. Yields a ``pledge.mail.catcher.Sink``:

    * ``sink.messages``: the accepted messages, in order, each a ``Received`` with
      ``message`` (an ``email.message.EmailMessage``: ``message["Subject"]``,
      ``message.get_body(("plain",)).get_content()``), the envelope's
      ``mail_from`` and ``rcpt_tos``, and the raw ``data``;
    * ``sink.refused``: messages whose DATA got a scripted refusal;
    * ``sink.answer_next("451 4.3.0 Try again later", at="DATA")``: answer the next
      DATA (or ``at="RCPT"``) with that reply instead of accepting; queue several
      to script a sequence;
    * ``sink.host``, ``sink.port``: where it listens.

    The server is stopped after the test.
    """
    from pledge.mail.catcher import Sink, start_server

    sink = Sink()
    controller = start_server(sink, host="127.0.0.1", port=0)
    sink.host, sink.port = "127.0.0.1", controller.port
    settings.SMTP_HOST, settings.SMTP_PORT = sink.host, sink.port
    settings.SMTP_STARTTLS, settings.SMTP_USER = False, ""
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def sandbox_webhook_url() -> str | None:
    """Where the ``sandbox_processor`` fixture delivers its events: none by default.

    Override it where the vendor's endpoint runs, e.g. in a test module::

        @pytest.fixture
        def sandbox_webhook_url(live_server):
            return live_server.url + "/payments/stripe/webhook/"
    """
    return None


@pytest.fixture
def start_sandbox_processor(tmp_path_factory: Any) -> Iterator[Callable[..., Any]]:
    """Start sandboxes with chosen options; all are stopped after the test.

    ``start_sandbox_processor(webhook_url=None, *, secret_key=None,
    webhook_secret=None, retry_schedule=(0.2, 0.5, 1.0), async_delay=1.0,
    sweep_interval=0.2, allow_short_expiry=True)`` returns a
    ``sandbox_processor.testing.RunningSandbox`` (see ``sandbox_processor``).
    """
    from sandbox_processor.testing import RunningSandbox, start_sandbox

    started: list[RunningSandbox] = []

    def start(webhook_url: str | None = None, **options: Any) -> RunningSandbox:
        directory = tmp_path_factory.mktemp("sandbox_processor")
        sandbox = start_sandbox(directory, webhook_url=webhook_url, **options)
        started.append(sandbox)
        return sandbox

    try:
        yield start
    finally:
        for sandbox in started:
            sandbox.stop()


@pytest.fixture
def sandbox_processor(
    start_sandbox_processor: Callable[..., Any], sandbox_webhook_url: str | None
) -> Any:
    """The payment sandbox in its own process, on a free port, with a fresh SQLite file.

    Yields a ``sandbox_processor.testing.RunningSandbox``:

    * ``base_url`` (``http://127.0.0.1:PORT``: the SDK's
      ``base_addresses={"api": base_url}``), ``secret_key`` (a fresh
      ``sk_test_…``), ``webhook_secret`` (a fresh ``whsec_…``), ``webhook_url``
      (from the ``sandbox_webhook_url`` fixture);
    * ``events(type=None)`` (oldest first), ``wait_for_event(type, timeout=15)``;
    * ``deliveries()`` (``{"deliveries": [...], "attempts": [...]}``) and
      ``wait_for_delivery(event_id, state="delivered")``;
    * ``pay(session_url_or_id, number="4242 4242 4242 4242", expiry=, cvc=,
      name=, email=)``: posts the hosted card page; ``answer.location`` is the
      success_url on success (303); a decline answers 402 with the page;
    * ``api(method, path, params, idempotency_key=None)``, ``restart()``, ``log()``.

    Delays are short: retries after 0.2, 0.5 and 1 s, asynchronous cards settle
    after 1 s, the expiry sweep runs every 0.2 s. Stopped after the test.
    """
    return start_sandbox_processor(sandbox_webhook_url)
