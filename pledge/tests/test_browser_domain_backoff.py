"""The domains backing off, in a real browser: marketing tries one again (issue 7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from pledge.mail.delivery import back_off
from pledge.mail.models import DomainBackoff
from pledge.mail.outbox import enqueue
from pledge.people.models import Person
from pledge.policy.models import AuditEvent
from pledge.staff.roles import assign_role, sync_roles

from .conftest import screenshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # make_person's


@pytest.fixture
def marketing(make_person: Callable[..., Person]) -> Person:
    sync_roles()
    person = make_person("marketing@claxton.localhost", name="Mo Mailings", point="staff")
    assign_role(person, "marketing", by=None)
    return person


def _queue(person: Any) -> None:
    """A mail to the person in the outbox: the link to manage their data."""
    enqueue(
        person=person,
        purpose="account",
        template="rights/link",
        site="contactgenie",
        context={"valid_days": 7},
    )


def test_marketing_tries_a_throttling_provider_again_in_the_browser(
    page, live_server, marketing, make_person, transactional_db
) -> None:
    for n in range(3):
        _queue(make_person(f"reader{n}@busy-provider.example"))
    _queue(make_person("reader@slow-provider.example"))
    back_off("busy-provider.example", 421, timezone.now())
    back_off("slow-provider.example", 450, timezone.now())

    page.goto(f"{live_server.url}/account/sign-in/?next=/staff/mail/outboundmessage/")
    page.get_by_label("Email address").fill("marketing@claxton.localhost")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.get_by_role("link", name="Domains backing off: 2").wait_for()
    screenshot(page, "domain-backoff-outbox-link")
    page.get_by_role("link", name="Domains backing off: 2").click()
    page.locator("#result_list").wait_for()
    rows = page.locator("#result_list tbody tr").all_inner_texts()
    screenshot(page, "domain-backoff-list")
    page.get_by_role("button", name="Try now: busy-provider.example").click()
    page.locator(".messagelist").wait_for()
    screenshot(page, "domain-backoff-tried")

    assert [row.split("\t")[0] for row in rows] == [
        "busy-provider.example",
        "slow-provider.example",
    ]
    assert page.locator(".messagelist").inner_text() == (
        "Ended the wait of busy-provider.example: 3 queued messages will be tried at the "
        "worker's next pass."
    )
    assert DomainBackoff.objects.get(domain="busy-provider.example").until <= timezone.now()
    assert AuditEvent.objects.filter(action="mail.domain.try_now", actor=marketing).count() == 1
    assert page.console_errors == []
