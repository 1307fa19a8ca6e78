"""Fixtures for the mail tests: test-only mail templates and a way to queue one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pledge.conftest import find_link
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


@pytest.fixture
def mail_link() -> Callable[[str, str], str]:
    """The first link in ``text`` that opens the view ``view_name``, as a path."""
    return find_link


@pytest.fixture
def subscribed(
    make_person: Callable[..., Any], mail_link: Callable[[str, str], str]
) -> Callable[..., Any]:
    """A verified person on News & Special Offers, joined by the real double opt-in."""
    from django.urls import resolve

    from pledge.mail.lists import confirm_subscription, request_subscription

    def make(email: str | None = None, **extra: Any) -> Any:
        person = make_person(email, **extra)
        request_subscription(person, "news", site="contactgenie")
        mail = OutboundMessage.objects.filter(person=person, purpose="list_confirmation").latest(
            "pk"
        )
        token = resolve(mail_link(mail.body_text, "lists:confirm")).kwargs["token"]
        confirm_subscription(token, site="contactgenie")
        return person

    return make
