"""Checkout Sessions through Stripe's official SDK: create, retrieve, expand, expire."""

from __future__ import annotations

import time

import pytest
import stripe

from sandbox_processor.testing import RunningSandbox
from sandbox_processor.tests.conftest import client_for, session_params


def test_create_returns_an_open_unpaid_session_with_a_hosted_page(
    sandbox: RunningSandbox, client: stripe.StripeClient
) -> None:
    before = int(time.time())

    session = client.v1.checkout.sessions.create(params=session_params())

    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")
    assert session.url == f"{sandbox.base_url}/pay/{session.id}"
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert (session.amount_total, session.currency) == (2 * 4900 + 1500, "eur")
    assert session.payment_intent is None
    assert session.livemode is False
    assert session.client_reference_id == "order-17"
    assert session.metadata.to_dict() == {"order": "17"}
    assert session.success_url == "http://shop.example/thanks/?session={CHECKOUT_SESSION_ID}"
    assert session.expires_at - session.created == 24 * 3600
    assert before <= session.created <= int(time.time())


def test_retrieve_gives_the_same_session(client: stripe.StripeClient) -> None:
    created = client.v1.checkout.sessions.create(params=session_params())

    fetched = client.v1.checkout.sessions.retrieve(created.id)

    assert fetched.to_dict() == created.to_dict()


def test_line_items_are_listed_with_their_prices(client: stripe.StripeClient) -> None:
    created = client.v1.checkout.sessions.create(params=session_params())

    items = client.v1.checkout.sessions.line_items.list(created.id)

    assert [(i.description, i.quantity, i.amount_total) for i in items.data] == [
        ("Claxton Ledger, one seat", 2, 9800),
        ("Printed manual", 1, 1500),
    ]


def test_expire_closes_the_session_and_the_page(
    sandbox: RunningSandbox, client: stripe.StripeClient
) -> None:
    created = client.v1.checkout.sessions.create(params=session_params())

    expired = client.v1.checkout.sessions.expire(created.id)

    assert (expired.status, expired.url) == ("expired", None)
    assert client.v1.checkout.sessions.retrieve(created.id).status == "expired"
    event = sandbox.wait_for_event("checkout.session.expired")
    assert event["data"]["object"]["id"] == created.id
    assert sandbox.pay(created.url).status == 410


def test_expiring_twice_is_refused(client: stripe.StripeClient) -> None:
    created = client.v1.checkout.sessions.create(params=session_params())
    client.v1.checkout.sessions.expire(created.id)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.expire(created.id)

    assert refused.value.http_status == 400
    assert 'status of "expired"' in refused.value.user_message


def test_the_sweep_expires_a_session_whose_time_is_up(
    sandbox: RunningSandbox, client: stripe.StripeClient
) -> None:
    created = client.v1.checkout.sessions.create(
        params=session_params(expires_at=int(time.time()) + 2)
    )

    event = sandbox.wait_for_event("checkout.session.expired", timeout=10)

    assert event["data"]["object"]["id"] == created.id
    assert event["request"] == {"id": None, "idempotency_key": None}
    assert client.v1.checkout.sessions.retrieve(created.id).status == "expired"


def test_unknown_session_is_a_404_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.retrieve("cs_test_nothing")

    assert refused.value.http_status == 404
    assert refused.value.code == "resource_missing"
    assert refused.value.user_message == "No such checkout.session: 'cs_test_nothing'"


def test_wrong_api_key_is_a_401(sandbox: RunningSandbox) -> None:
    client = client_for(sandbox, api_key="sk_test_not_the_right_one_1234")

    with pytest.raises(stripe.AuthenticationError) as refused:
        client.v1.checkout.sessions.create(params=session_params())

    assert refused.value.http_status == 401
    assert refused.value.user_message == "Invalid API Key provided: sk_test_****1234"


def test_missing_api_key_is_a_401(sandbox: RunningSandbox) -> None:
    answer = sandbox.api("POST", "/v1/checkout/sessions", session_params(), api_key=" ")

    assert answer.status == 401
    assert answer.json()["error"]["type"] == "invalid_request_error"
