"""Fixtures for the campaign tests: subscribers made by the real actions, and campaigns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from pledge.campaigns.models import Campaign
from pledge.campaigns.sending import save_campaign
from pledge.people.models import Person
from pledge.policy.consent import record_consent
from pledge.staff.roles import assign_role, sync_roles

OFFER_STARTS = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
OFFER_ENDS = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """People made for campaign tests need no strong password hash; it only costs time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def subscribe() -> Callable[..., None]:
    """Record a person's opt-in to a purpose, as the sign-up form does."""

    def consent(person: Person, purpose: str = "newsletter", *, scope: str = "") -> None:
        record_consent(
            person,
            purpose,
            granted=True,
            via="form",
            collection_point="mailing_lists",
            site="contactgenie",
            scope=scope,
        )

    return consent


@pytest.fixture
def make_subscriber(
    make_person: Callable[..., Person], subscribe: Callable[..., None]
) -> Callable[..., Person]:
    """A verified person who opted in to the newsletter."""

    def make(*args: Any, **kwargs: Any) -> Person:
        person = make_person(*args, **kwargs)
        subscribe(person)
        return person

    return make


@pytest.fixture
def make_campaign(policy: Any) -> Callable[..., Campaign]:
    """A draft campaign to the news list, saved through ``save_campaign``."""

    def make(*, by: Any = None, **fields: Any) -> Campaign:
        values: dict[str, Any] = {
            "name": "Winter news",
            "site": "contactgenie",
            "list_key": "news",
            "subject": "News for {{ first_name }}",
            "body_text": "Hello {{ first_name }},\n\nContactGenie 9 is out.",
            "body_html": "",
        }
        values.update(fields)
        campaign = Campaign(**values)
        campaign.full_clean()
        save_campaign(campaign, by=by)
        return campaign

    return make


@pytest.fixture
def make_staff(make_person: Callable[..., Person]) -> Callable[..., Person]:
    """A verified member of staff in one declared role, made as the demo makes staff."""
    sync_roles()

    def make(role: str, email: str = "", name: str = "Staff Member") -> Person:
        person = make_person(email or f"{role}@claxton.localhost", name=name, point="staff")
        assign_role(person, role, by=None)
        return person

    return make


@pytest.fixture
def staff_member(make_staff: Callable[..., Person]) -> Person:
    """A member of marketing staff."""
    return make_staff("marketing", "marketer@claxton.localhost", "Mara Marketer")


@pytest.fixture
def promotion() -> dict[str, Any]:
    """The fields of a promotion running through November 2026."""
    return {
        "promo_label": "ContactGenie 9 Professional",
        "promo_price": Decimal("49.00"),
        "promo_currency": "USD",
        "promo_starts_at": OFFER_STARTS,
        "promo_ends_at": OFFER_ENDS,
    }
