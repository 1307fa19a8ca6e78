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
