"""End to end in a real browser: join a list by double opt-in, leave it by one click and by link.

Debian's chromium, driven by Playwright, against the site served by Django on a
free port; mail travels over real SMTP to an aiosmtpd server, and the RFC 8058
one-click POST is sent as a mail program sends it: no cookie, no CSRF token.
Screenshots are saved under test-artifacts/.
"""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

import pytest

from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import enqueue
from pledge.mail.tests.conftest import TEMPLATES_DIR
from pledge.people.models import Person
from pledge.policy.models import Consent, ConsentState

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # make_person's


@pytest.fixture
def base(live_server, settings, policy):
    """The ContactGenie site on the live server's port (*.localhost is loopback)."""
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    engine = settings.TEMPLATES[0]  # the test newsletter: mail/test/notice
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], TEMPLATES_DIR]}]
    return f"http://contactgenie.localhost:{settings.PUBLIC_PORT}"


def _text(received):
    return received.get_body(("plain",)).get_content()


def _link(text, pattern):
    return re.search(rf"(http://contactgenie\.localhost:\d+/mail/{pattern}/\S+/)", text).group(1)


def _newsletter(person, note):
    return enqueue(
        person=person,
        purpose="newsletter",
        template="test/notice",
        site="contactgenie",
        context={"note": note},
    )


def _standing(person):
    state = ConsentState.objects.filter(person=person, purpose="newsletter").first()
    return None if state is None else (state.granted, state.latest.via)


def _one_click(url):
    """POST the RFC 8058 body as a mail program does: no cookie, no token, no redirect followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=10)
    connection.request(
        "POST",
        parts.path,
        body="List-Unsubscribe=One-Click",
        headers={"Host": parts.netloc, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    answer = (response.status, response.getheader("Location"), response.read().decode())
    connection.close()
    return answer


def _subscribe_and_confirm(page, base, smtp_sink, shot):
    page.goto(f"{base}/account/")
    page.get_by_role("button", name="Subscribe to News & Special Offers").click()
    page.wait_for_url(f"{base}/account/#mailing-lists")
    screenshot(page, f"{shot}-asked")
    assert [d.outcome for d in deliver_due().deliveries] == ["sent"]
    confirmation = smtp_sink.messages[-1].message
    assert confirmation["Subject"] == "Confirm: News & Special Offers from ContactGenie"
    page.goto(_link(_text(confirmation), "confirm"))
    screenshot(page, f"{shot}-confirm")
    page.get_by_role("button", name="Yes, subscribe me").click()
    page.wait_for_load_state()
    screenshot(page, f"{shot}-confirmed")
    assert page.locator("h1").inner_text() == "You are on News & Special Offers"
    page.get_by_role("link", name="Your mailing lists").click()
    page.wait_for_url(f"{base}/account/#mailing-lists")
    screenshot(page, f"{shot}-account")
    assert page.locator(".lists-choice.is-on strong").all_inner_texts() == ["News & Special Offers"]


def test_join_confirm_receive_leave_by_one_click_join_again_leave_by_link(
    page, base, smtp_sink, make_person
):
    person = make_person("hedy@example.com", name="Hedy Lamarr")
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill("hedy@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/account/")
    screenshot(page, "lists-01-account")

    # Join by double opt-in: nothing until the link's button is pressed.
    _subscribe_and_confirm(page, base, smtp_sink, "lists-02")
    assert _standing(person) == (True, "link")

    # A newsletter arrives; reading its HTML part shows the clear gif (C8).
    newsletter = _newsletter(person, "Version 7 is out.")
    deliver_due()
    received = smtp_sink.messages[-1].message
    assert received["Subject"] == "A notice for Hedy Lamarr from ContactGenie"
    # In a page of its own, as a mail program shows it: not under the site's CSP.
    reader = page.context.new_page()
    reader.set_content(received.get_body(("html",)).get_content())
    reader.wait_for_load_state("networkidle")
    screenshot(reader, "lists-03-newsletter")
    reader.close()
    newsletter.refresh_from_db()
    assert newsletter.open_count == 1

    # Leave by one click, with the URL from the List-Unsubscribe header.
    header = received["List-Unsubscribe"]
    url = re.match(r"<(http://[^>]+)>, <mailto:unsubscribe\+[^>]+>", header).group(1)
    status, location, body = _one_click(url)
    assert (status, location) == (200, None)
    assert "You are unsubscribed" in body
    assert _standing(person) == (False, "one_click")

    # Join again, then leave with the visible link in the mail's body.
    _subscribe_and_confirm(page, base, smtp_sink, "lists-04")
    _newsletter(person, "Version 7.1 is out.")
    deliver_due()
    link = _link(_text(smtp_sink.messages[-1].message), "unsubscribe")
    page.goto(link)
    screenshot(page, "lists-05-unsubscribe")
    assert _standing(person) == (True, "link")  # opening the link changed nothing
    page.get_by_role("button", name="Unsubscribe me").click()
    page.wait_for_load_state()
    screenshot(page, "lists-06-unsubscribed")
    assert page.locator("h1").inner_text() == "You are unsubscribed"
    assert _standing(person) == (False, "link")

    # The next newsletter does not arrive.
    received_before = len(smtp_sink.messages)
    last = _newsletter(person, "Version 7.2 is out.")
    deliver_due()
    last.refresh_from_db()
    assert len(smtp_sink.messages) == received_before
    assert last.status == "refused"
    assert list(
        Consent.objects.filter(person=person, purpose="newsletter").values_list("via", "granted")
    ) == [("link", True), ("one_click", False), ("link", True), ("link", False)]
    page.goto(f"{base}/account/")
    screenshot(page, "lists-07-account-after")
    assert page.console_errors == []


def test_a_visitor_joins_from_the_home_page(page, base, smtp_sink):
    page.goto(f"{base}/")
    signup = page.get_by_role("form", name="Subscribe to News & Special Offers")
    signup.get_by_label("Your name").fill("Grace Hopper")
    signup.get_by_label("Email address").fill("grace@example.com")
    screenshot(page, "lists-10-home-signup")
    signup.get_by_role("button", name="Subscribe").click()
    page.wait_for_url(f"{base}/mail/subscribe/check-your-mail/")
    screenshot(page, "lists-11-check-your-mail")

    deliver_due()
    confirmation = smtp_sink.messages[-1].message
    reader = page.context.new_page()
    reader.set_content(confirmation.get_body(("html",)).get_content())
    screenshot(reader, "lists-11-confirmation-mail")
    reader.close()
    page.goto(_link(_text(confirmation), "confirm"))
    page.get_by_role("button", name="Yes, subscribe me").click()
    page.wait_for_load_state()
    screenshot(page, "lists-12-confirmed")

    person = Person.objects.get(email="grace@example.com")
    assert _standing(person) == (True, "link")
    assert person.email_verified_at is not None
    assert OutboundMessage.objects.filter(purpose="list_confirmation").count() == 1
    page.goto(f"{base}/mail/subscribe/")
    screenshot(page, "lists-13-subscribe-page")
    assert page.console_errors == []
