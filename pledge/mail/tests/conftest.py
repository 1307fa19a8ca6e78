"""Fixtures for the mail tests: test-only mail templates and a way to queue one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import enqueue

TEMPLATES_DIR = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """People made for mail tests need no strong password hash; it only costs time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def mail_test_templates(settings: Any) -> None:
    """Make mail/test/* (notice, plain, bare) findable, for these tests only."""
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], TEMPLATES_DIR]}]


@pytest.fixture
def queue_notice() -> Callable[..., OutboundMessage]:
    """Queue the test notice (text and HTML) for a person, for the account purpose."""

    def queue(person: Any, *, purpose: str = "account", **context: Any) -> OutboundMessage:
        context.setdefault("note", "Your order has shipped.")
        return enqueue(
            person=person,
            purpose=purpose,
            template="test/notice",
            site="contactgenie",
            context=context,
        )

    return queue
