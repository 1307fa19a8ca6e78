"""Fixtures for the staff tests: staff in their roles, and a customer with planted data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from pledge.mail.models import MessageEvent, OutboundMessage
from pledge.people.models import Person
from pledge.policy.consent import record_consent
from pledge.staff.roles import assign_role, sync_roles

PLANTED_NAME = "Zebedee Quincunx"
PLANTED_EMAIL = "zebedee.quincunx@example.com"


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    """Argon2 is the real hasher; these tests make many accounts and log in by session."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def roles(policy: Any) -> None:
    """The role groups, from the published policy (migrate made them already; idempotent)."""
    sync_roles()


@pytest.fixture
def make_staff(roles: None) -> Callable[..., Person]:
    """A verified member of staff holding the given roles, made as the demo makes them."""
    counter = {"n": 0}

    def make(*role_keys: str, superuser: bool = False) -> Person:
        counter["n"] += 1
        person = Person.objects.create_user(
            f"staff{counter['n']}@claxton.localhost",
            "staff password 2026",
            point="staff",
            name=f"Staff Member {counter['n']}",
            email_verified_at=timezone.now(),
            is_staff=True,
            is_superuser=superuser,
        )
        for key in role_keys:
            assign_role(person, key, by=None)
        return person

    return make


@dataclass(frozen=True)
class Planted:
    customer: Person
    message: OutboundMessage


@pytest.fixture
def planted(make_person: Callable[..., Person]) -> Planted:
    """A customer whose name and address tell by their presence in a page that it leaked.

    They subscribed to the newsletter themselves (a consent, audited with their
    address as actor) and were sent a receipt (an outbox row with its history).
    """
    customer = make_person(PLANTED_EMAIL, name=PLANTED_NAME, site="contactgenie")
    record_consent(
        customer,
        "newsletter",
        granted=True,
        via="form",
        collection_point="mailing_lists",
        site="contactgenie",
        actor=customer,
    )
    now = timezone.now()
    message = OutboundMessage.objects.create(
        person=customer,
        purpose="account",
        site="contactgenie",
        template="receipt",
        to_address=PLANTED_EMAIL,
        to_name=PLANTED_NAME,
        subject=f"Your receipt, {PLANTED_NAME}",
        body_text=(
            f"Dear {PLANTED_NAME},\n\nThank you for your order.\n"
            "Manage your data: http://contactgenie.localhost:8000/my-data/m/SIGNED-TOKEN-123/\n"
        ),
        message_id="<0123456789abcdef0123456789abcdef@claxton.localhost>",
        token="0123456789abcdef0123456789abcdef",
        status=OutboundMessage.Status.FAILED,
        reason="the server refused the address",
        created_at=now,
        next_attempt_at=now,
        last_error=f"550 5.1.1 <{PLANTED_EMAIL}>: no such user",
    )
    MessageEvent.objects.create(
        message=message,
        kind=MessageEvent.Kind.FAILED,
        at=now,
        attempt=1,
        detail=f"550 5.1.1 <{PLANTED_EMAIL}>: no such user",
    )
    return Planted(customer, message)
