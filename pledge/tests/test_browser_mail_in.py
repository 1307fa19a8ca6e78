"""Mail in, in the staff admin, in a real browser: the list and a message, screenshotted."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pledge.mail.inbound.intake import receive
from pledge.people.models import Person
from pledge.staff.roles import assign_role, sync_roles

from .conftest import screenshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
SUPPORT_MAIL = (
    b"From: Buyer <buyer@example.org>\nTo: support@claxton.com\nSubject: Key\n\nIt fails.\n"
)
PRIVACY_MAIL = (
    b"From: Asker <asker@example.org>\nTo: privacy@claxton.com\nSubject: My data\n\nAll of it.\n"
)


def stored(raw: bytes, to: str):
    row, _ = receive(raw, mail_from="someone@example.org", recipients=[to], via="lmtp")
    return row


@pytest.fixture
def customer_service(make_person: Callable[..., Person]) -> Person:
    sync_roles()
    person = make_person("customer_service@claxton.localhost", name="Chris Desk", point="staff")
    assign_role(person, "customer_service", by=None)
    return person


def test_mail_in_pages_in_the_browser(
    page, live_server, customer_service, transactional_db
) -> None:
    stored(SUPPORT_MAIL, "support@claxton.com")
    row = stored(PRIVACY_MAIL, "privacy@claxton.com")

    page.goto(f"{live_server.url}/account/sign-in/?next=/staff/")
    page.get_by_label("Email address").fill("customer_service@claxton.localhost")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.goto(f"{live_server.url}/staff/mail/inboundmessage/")
    listed = page.locator("#result_list tbody tr").count()
    screenshot(page, "inbound-list")
    page.goto(f"{live_server.url}/staff/mail/inboundmessage/{row.pk}/change/")
    screenshot(page, "inbound-detail")

    assert listed == 2
    assert page.get_by_text("data request #").count() >= 1
    assert page.get_by_role("link", name="download").count() == 1
