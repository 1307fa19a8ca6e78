"""The hosted card page over HTTP: checks, declines, success, and what it keeps."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable

import pytest
import stripe

from sandbox_processor.testing import (
    ASYNC_FAILING_CARD,
    ASYNC_SUCCEEDING_CARD,
    DECLINED_CARD,
    RunningSandbox,
    http,
)
from sandbox_processor.tests.conftest import client_for, session_params


@pytest.fixture
def session(client: stripe.StripeClient) -> stripe.checkout.Session:
    return client.v1.checkout.sessions.create(params=session_params())


def test_the_page_shows_the_vendors_items_and_total(
    session: stripe.checkout.Session,
) -> None:
    page = http("GET", session.url)

    assert page.status == 200
    assert "The Claxton Group" in page.text
    assert "Claxton Ledger, one seat" in page.text
    assert "Qty 2 &times; €49.00" in page.text
    assert "Pay €113.00" in page.text
    assert 'href="http://shop.example/basket/"' in page.text


def test_a_good_card_redirects_to_the_success_url_with_the_session_id(
    sandbox: RunningSandbox, client: stripe.StripeClient, session: stripe.checkout.Session
) -> None:
    answer = sandbox.pay(session.url, "4242 4242 4242 4242", name="Ada Lovelace")

    assert answer.status == 303
    assert answer.location == f"http://shop.example/thanks/?session={session.id}"
    paid = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.customer_details.name == "Ada Lovelace"
    intent = paid.payment_intent
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 11300, "eur")
    card = intent.latest_charge.payment_method_details.card
    expiry_year = time.gmtime().tm_year + 3
    assert (card.brand, card.last4, card.exp_year) == ("visa", "4242", expiry_year)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"number": "4242 4242 4242 4241"}, "number", "Your card number is invalid."),
        ({"number": "4242 4242"}, "number", "Your card number is incomplete."),
        ({"number": ""}, "number", "Enter the card number."),
        ({"expiry": "01/20"}, "expiry", "Your card&#x27;s expiration year is in the past."),
        ({"expiry": "13/30"}, "expiry", "Your card&#x27;s expiration month is invalid."),
        ({"expiry": "1230"}, "expiry", "Write the expiry date as MM/YY, for example 04/29."),
        ({"cvc": "12"}, "cvc", "Your card&#x27;s security code is 3 or 4 digits."),
        ({"cvc": "1234"}, "cvc", "Your card&#x27;s security code is 3 digits."),
        ({"name": " "}, "name", "Enter the name on the card."),
    ],
)
def test_a_wrong_field_is_named_on_the_page_and_nothing_is_charged(
    sandbox: RunningSandbox,
    client: stripe.StripeClient,
    session: stripe.checkout.Session,
    form: dict[str, str],
    field: str,
    message: str,
) -> None:
    answer = sandbox.pay(session.url, **form)

    assert answer.status == 400
    assert f'<p class="error" id="{field}-error">{message}</p>' in answer.text
    assert 'value="Ada Lovelace"' in answer.text or field == "name"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert sandbox.events() == []


def test_last_month_is_past_but_this_month_is_not(
    sandbox: RunningSandbox, session: stripe.checkout.Session
) -> None:
    today = time.gmtime()
    last = (today.tm_year, today.tm_mon - 1) if today.tm_mon > 1 else (today.tm_year - 1, 12)

    past = sandbox.pay(session.url, expiry=f"{last[1]:02d}/{last[0] % 100:02d}")
    current = sandbox.pay(session.url, expiry=f"{today.tm_mon:02d}/{today.tm_year % 100:02d}")

    assert past.status == 400
    assert current.status == 303


def test_a_declined_card_says_so_and_the_session_stays_open(
    sandbox: RunningSandbox, client: stripe.StripeClient, session: stripe.checkout.Session
) -> None:
    declined = sandbox.pay(session.url, DECLINED_CARD)

    assert declined.status == 402
    assert '<div class="alert" role="alert">Your card was declined.</div>' in declined.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    event = sandbox.wait_for_event("payment_intent.payment_failed")
    failed = event["data"]["object"]
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["decline_code"] == "generic_decline"
    # The buyer tries another card: the same payment intent succeeds.
    assert sandbox.pay(session.url).status == 303
    assert client.v1.checkout.sessions.retrieve(session.id).payment_intent == failed["id"]


def test_a_real_card_number_is_declined_in_test_mode(
    sandbox: RunningSandbox, session: stripe.checkout.Session
) -> None:
    answer = sandbox.pay(session.url, "4111 1111 1111 1111")

    assert answer.status == 402
    assert "used a non test card" in answer.text


def test_an_async_card_completes_unpaid_then_succeeds(
    sandbox: RunningSandbox, client: stripe.StripeClient, session: stripe.checkout.Session
) -> None:
    answer = sandbox.pay(session.url, ASYNC_SUCCEEDING_CARD)

    assert answer.status == 303
    completed = sandbox.wait_for_event("checkout.session.completed")["data"]["object"]
    assert (completed["status"], completed["payment_status"]) == ("complete", "unpaid")
    assert client.v1.payment_intents.retrieve(completed["payment_intent"]).status == "processing"
    settled = sandbox.wait_for_event("checkout.session.async_payment_succeeded")
    assert settled["data"]["object"]["payment_status"] == "paid"
    assert client.v1.payment_intents.retrieve(completed["payment_intent"]).status == "succeeded"


def test_an_async_card_completes_unpaid_then_fails(
    sandbox: RunningSandbox, client: stripe.StripeClient, session: stripe.checkout.Session
) -> None:
    sandbox.pay(session.url, ASYNC_FAILING_CARD)

    failed = sandbox.wait_for_event("checkout.session.async_payment_failed")

    assert failed["data"]["object"]["payment_status"] == "unpaid"
    intent = client.v1.payment_intents.retrieve(failed["data"]["object"]["payment_intent"])
    assert intent.status == "requires_payment_method"
    assert sandbox.events("checkout.session.async_payment_succeeded") == []


def test_a_paid_session_cannot_be_paid_twice(
    sandbox: RunningSandbox, session: stripe.checkout.Session
) -> None:
    sandbox.pay(session.url)

    again = sandbox.pay(session.url)

    assert again.status == 200
    assert "Already paid" in again.text
    assert len(sandbox.events("checkout.session.completed")) == 1


def test_an_expired_session_refuses_payment(start: Callable[..., RunningSandbox]) -> None:
    """Expired at the moment of paying: the sweep (once at start, then hourly) has not seen it."""
    sandbox = start(sweep_interval=3600)
    client = client_for(sandbox)
    expires_at = int(time.time()) + 3
    session = client.v1.checkout.sessions.create(params=session_params(expires_at=expires_at))
    while time.time() < expires_at + 0.2:
        time.sleep(0.1)

    answer = sandbox.pay(session.url)

    assert answer.status == 410
    assert "This checkout has expired" in answer.text
    assert sandbox.wait_for_event("checkout.session.expired")["data"]["object"]["id"] == session.id
    assert sandbox.events("checkout.session.completed") == []


def test_the_card_number_and_cvc_are_kept_nowhere(
    sandbox: RunningSandbox, session: stripe.checkout.Session
) -> None:
    # Planted: a number and CVC easy to find, typed with and without spaces.
    number, cvc = "5555 5555 5555 4444", "987"
    sandbox.pay(session.url, number, cvc="98")  # refused: the form is shown again
    assert sandbox.pay(session.url, number, cvc=cvc).status == 303
    sandbox.stop()

    dump = "\n".join(sqlite3.connect(sandbox.db_path).iterdump())
    stored = dump + sandbox.db_path.read_bytes().decode("latin-1")
    log = sandbox.log()
    for text in (stored, log):
        assert "5555555555554444" not in text
        assert "5555 5555 5555 4444" not in text
    assert '"cvc_check": "pass"' in dump  # the charge says the CVC was checked
    planted_cvc = re.compile(r"(?<![0-9A-Za-z])987(?![0-9A-Za-z])")
    assert planted_cvc.search(dump) is None
    assert planted_cvc.search(log) is None
    assert '"last4": "4444"' in dump
