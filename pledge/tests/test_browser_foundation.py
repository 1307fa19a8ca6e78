"""End to end in a real browser: register, verify by mail, sign in, read the statement.

Debian's chromium, driven by Playwright, against the site served by Django on a
free port; the verification mail travels over real SMTP to an aiosmtpd server.
Screenshots are saved under test-artifacts/.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from pledge.mail.delivery import deliver_due
from pledge.people.models import Person
from pledge.policy.loaded import configured_declaration

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "plum-violet-harbour-42"


@pytest.fixture
def site_url(live_server, settings, policy):
    """Base URLs of both demo sites on the live server's port (*.localhost is loopback)."""
    port = urlsplit(live_server.url).port
    settings.PUBLIC_PORT = str(port)
    return {
        "contactgenie": f"http://contactgenie.localhost:{port}",
        "claxton": f"http://claxton.localhost:{port}",
    }


def test_register_verify_by_mail_sign_in_and_read_the_statement(page, site_url, smtp_sink):
    base = site_url["claxton"]
    page.goto(f"{base}/account/register/")
    assert page.locator(".brand-name").inner_text() == "Claxton On-line"
    page.get_by_label("Your name").fill("Hedy Lamarr")
    page.get_by_label("Email address").fill("hedy@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    screenshot(page, "01-register")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(re.compile(r".*/check-your-mail/$"))
    screenshot(page, "02-check-your-mail")

    assert len(deliver_due().deliveries) == 1
    mail = smtp_sink.messages[-1].message
    assert mail["To"] == "Hedy Lamarr <hedy@example.com>"
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"(http://claxton\.localhost:\d+/account/verify/\S+)", text).group(1)

    page.goto(link)
    screenshot(page, "03-verify")
    assert (
        Person.objects.get(email="hedy@example.com").email_verified_at is None
    )  # GET changes nothing
    page.get_by_role("button", name="Confirm my address").click()
    page.wait_for_load_state()
    assert Person.objects.get(email="hedy@example.com").email_verified_at is not None

    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill("HEDY@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/account/")
    screenshot(page, "04-account")
    assert "Hedy Lamarr" in page.locator("main").inner_text()

    # C5: the session cookie ends with the browser: no expiry at all.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sessionid"]["expires"] == -1
    declared = configured_declaration().data["cookies"]
    assert set(cookies) <= set(declared)

    page.goto(f"{base}/privacy/")
    screenshot(page, "05-privacy")
    headings = page.locator(".statement-body h2, .statement-body h3").all_inner_texts()
    assert headings == [s["heading"] for s in configured_declaration().data["sections"]]
    assert "586-283-7542" in page.locator("#contact_information").inner_text()

    page.goto(f"{base}/privacy/cookies/")
    screenshot(page, "06-cookies")
    rows = page.locator("table tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == list(declared)

    page.goto(site_url["contactgenie"] + "/")
    assert page.locator(".brand-name").inner_text() == "ContactGenie"
    # Same account on the other site (shared accounts, separate cookies per host).
    screenshot(page, "07-contactgenie-home")
    assert page.console_errors == []
