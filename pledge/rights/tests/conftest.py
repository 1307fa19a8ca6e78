"""Fixtures for the rights tests: manage links, and a person with something to hold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from pledge.lib.signing import make_token
from pledge.mail.outbox import enqueue
from pledge.policy.consent import record_consent

# The password the project's make_person fixture gives everyone.
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def quick_argon2(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["pledge.people.tests.hashers.QuickArgon2PasswordHasher"]


@pytest.fixture
def manage_link() -> Callable[..., str]:
    """The path of a signed link to one of a person's rights pages, as mail carries it."""

    tokens: dict[int, str] = {}

    def link(person: Any, page: str = "manage") -> str:
        # One token per person, as one mail carries one: a second signed a
        # moment later would differ in its timestamp.
        token = tokens.setdefault(person.pk, make_token("manage", person.pk))
        return reverse(f"rights:{page}", args=[token])

    return link


@pytest.fixture
def subscriber(make_person: Callable[..., Any]) -> Callable[..., Any]:
    """A person who opted in to the newsletter and has one mail in the outbox."""

    def make(email: str = "grace@example.com", name: str = "Grace Hopper") -> Any:
        person = make_person(email, name=name)
        record_consent(
            person, "newsletter", granted=True, via="form", collection_point="mailing_lists"
        )
        enqueue(person=person, purpose="newsletter", template="rights/link", site="contactgenie")
        return person

    return make
