"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pledge.policy.loaded import configured_declaration
from pledge.policy.models import PolicyVersion
from pledge.policy.versions import publish_version


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
