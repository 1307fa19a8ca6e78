"""The card page in a real browser: a mistake, a decline, then a payment that returns to the shop."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from pledge.tests.conftest import screenshot
from sandbox_processor.testing import RunningSandbox, WebhookReceiver
from sandbox_processor.tests.conftest import client_for, session_params

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """The shop's pages and webhook endpoint, standing in for the vendor's site."""
    with WebhookReceiver() as endpoint:
        yield endpoint


def test_a_buyer_corrects_a_typo_survives_a_decline_and_pays(
    start_sandbox_processor: Callable[..., RunningSandbox],
    receiver: WebhookReceiver,
    page: object,
) -> None:
    sandbox = start_sandbox_processor(receiver.url)
    session = client_for(sandbox).v1.checkout.sessions.create(
        params=session_params(
            success_url=receiver.base_url + "/thanks/?session={CHECKOUT_SESSION_ID}",
            cancel_url=receiver.base_url + "/basket/",
        )
    )
    p = page  # Playwright's Page

    p.goto(session.url)  # type: ignore[attr-defined]
    screenshot(p, "sandbox_card_page")
    p.fill("#number", "4242 4242 4242 4241")  # type: ignore[attr-defined]
    p.fill("#expiry", "04/40")  # type: ignore[attr-defined]
    p.fill("#cvc", "123")  # type: ignore[attr-defined]
    p.fill("#name", "Ada Lovelace")  # type: ignore[attr-defined]
    p.click("button[type=submit]")  # type: ignore[attr-defined]
    assert p.text_content("#number-error") == "Your card number is invalid."  # type: ignore[attr-defined]
    assert p.input_value("#name") == "Ada Lovelace"  # type: ignore[attr-defined]
    assert p.input_value("#cvc") == ""  # type: ignore[attr-defined]
    screenshot(p, "sandbox_card_page_error")

    p.fill("#number", "4000 0000 0000 0002")  # type: ignore[attr-defined]
    p.fill("#cvc", "123")  # type: ignore[attr-defined]
    p.click("button[type=submit]")  # type: ignore[attr-defined]
    assert p.text_content("[role=alert]") == "Your card was declined."  # type: ignore[attr-defined]

    p.fill("#number", "4242 4242 4242 4242")  # type: ignore[attr-defined]
    p.fill("#cvc", "123")  # type: ignore[attr-defined]
    p.click("button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_url(f"{receiver.base_url}/thanks/?session={session.id}")  # type: ignore[attr-defined]
    assert p.text_content("h1") == f"Shop page /thanks/?session={session.id}"  # type: ignore[attr-defined]
    assert [e["type"] for e in sandbox.events()] == [
        "payment_intent.payment_failed",
        "checkout.session.completed",
    ]
    # Chromium logs the page's own 400 and 402 answers (form errors, decline); nothing else.
    others = [
        error
        for error in p.console_errors  # type: ignore[attr-defined]
        if "status of 400 (Bad Request)" not in error
        and "status of 402 (Payment Required)" not in error
    ]
    assert others == []

    p.goto(sandbox.base_url + "/dashboard/")  # type: ignore[attr-defined]
    sandbox.wait_for_delivery(sandbox.events()[-1]["id"])
    p.reload()  # type: ignore[attr-defined]
    assert p.locator("text=checkout.session.completed").count() == 1  # type: ignore[attr-defined]
    screenshot(p, "sandbox_dashboard")
