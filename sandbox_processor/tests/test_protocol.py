"""Stripe's protocol details: idempotency keys, validation errors, form encoding."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import stripe

from sandbox_processor.testing import RunningSandbox, start_sandbox
from sandbox_processor.tests.conftest import session_params


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: Any) -> Iterator[RunningSandbox]:
    """One sandbox for the module: these tests look only at their own answers."""
    sandbox = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield sandbox
    sandbox.stop()


def test_same_key_and_parameters_replay_the_stored_session(
    sandbox: RunningSandbox, client: stripe.StripeClient
) -> None:
    options: stripe.RequestOptions = {"idempotency_key": "order-17-attempt-1"}

    first = client.v1.checkout.sessions.create(params=session_params(), options=options)
    second = client.v1.checkout.sessions.create(params=session_params(), options=options)

    assert second.id == first.id
    assert second.to_dict() == first.to_dict()
    replay = sandbox.api(
        "POST", "/v1/checkout/sessions", session_params(), idempotency_key="order-17-attempt-1"
    )
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == first.id


def test_same_key_with_other_parameters_is_an_idempotency_error(
    client: stripe.StripeClient,
) -> None:
    options: stripe.RequestOptions = {"idempotency_key": "order-18"}
    client.v1.checkout.sessions.create(params=session_params(), options=options)

    with pytest.raises(stripe.IdempotencyError) as refused:
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="order-19"), options=options
        )

    assert refused.value.http_status == 400
    assert refused.value.error.type == "idempotency_error"
    assert "same parameters" in refused.value.user_message


def test_a_key_whose_request_failed_validation_can_be_used_again(
    client: stripe.StripeClient,
) -> None:
    options: stripe.RequestOptions = {"idempotency_key": "order-20"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=session_params(mode="banana"), options=options)

    session = client.v1.checkout.sessions.create(params=session_params(), options=options)

    assert session.status == "open"


def test_without_a_key_each_post_creates_a_new_session(sandbox: RunningSandbox) -> None:
    first = sandbox.api("POST", "/v1/checkout/sessions", session_params())
    second = sandbox.api("POST", "/v1/checkout/sessions", session_params())

    assert first.status == second.status == 200
    assert first.json()["id"] != second.json()["id"]


def test_every_answer_names_its_request(sandbox: RunningSandbox) -> None:
    answer = sandbox.api("GET", "/v1/checkout/sessions/cs_test_none")

    assert answer.headers["request-id"].startswith("req_")
    assert answer.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("change", "param", "code", "message"),
    [
        (
            {"line_items": None},
            "line_items",
            "parameter_missing",
            "Missing required param: line_items.",
        ),
        (
            {"success_url": None},
            "success_url",
            "parameter_missing",
            "Missing required param: success_url.",
        ),
        (
            {
                "line_items": [
                    {
                        "price_data": {"currency": "eur", "product_data": {"name": "Seat"}},
                        "quantity": 1,
                    }
                ]
            },
            "line_items[0][price_data][unit_amount]",
            "parameter_missing",
            "Missing required param: line_items[0][price_data][unit_amount].",
        ),
        (
            {
                "line_items": [
                    {
                        "price_data": {
                            "currency": "eur",
                            "unit_amount": "12.50",
                            "product_data": {"name": "Seat"},
                        },
                        "quantity": 1,
                    }
                ]
            },
            "line_items[0][price_data][unit_amount]",
            "parameter_invalid_integer",
            "Invalid integer: 12.50",
        ),
        (
            {"colour": "blue"},
            "colour",
            "parameter_unknown",
            "Received unknown parameter: colour",
        ),
        (
            {"success_url": "thanks.html"},
            "success_url",
            "url_invalid",
            "Not a valid URL",
        ),
        (
            {"customer_email": "ada-at-example"},
            "customer_email",
            "email_invalid",
            "Invalid email address: ada-at-example",
        ),
    ],
)
def test_bad_parameters_are_refused_naming_the_parameter(
    client: stripe.StripeClient, change: dict[str, object], param: str, code: str, message: str
) -> None:
    params = {
        key: value for key, value in {**session_params(), **change}.items() if value is not None
    }

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]

    assert refused.value.http_status == 400
    assert (refused.value.param, refused.value.code) == (param, code)
    assert refused.value.user_message == message


def test_a_total_under_the_minimum_charge_is_refused(client: stripe.StripeClient) -> None:
    tiny = [
        {
            "price_data": {"currency": "eur", "unit_amount": 10, "product_data": {"name": "Pin"}},
            "quantity": 1,
        }
    ]

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params=session_params(line_items=tiny))

    assert refused.value.code == "amount_too_small"


def test_expires_at_beyond_24_hours_is_refused(client: stripe.StripeClient) -> None:
    created = client.v1.checkout.sessions.create(params=session_params())

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(
            params=session_params(expires_at=created.created + 25 * 3600)
        )

    assert refused.value.param == "expires_at"


def test_brackets_as_curl_writes_them_are_understood(sandbox: RunningSandbox) -> None:
    """``expand[]=…`` and ``metadata[…]`` typed by hand, as in Stripe's curl examples."""
    created = sandbox.api("POST", "/v1/checkout/sessions", session_params()).json()
    sandbox.pay(created["url"])

    answer = sandbox.api(
        "GET",
        f"/v1/checkout/sessions/{created['id']}",
        [("expand[]", "payment_intent"), ("expand[]", "payment_intent.latest_charge")],
    )

    intent = answer.json()["payment_intent"]
    assert (intent["object"], intent["status"]) == ("payment_intent", "succeeded")
    assert intent["latest_charge"]["object"] == "charge"


def test_parallel_requests_with_one_key_create_one_session(sandbox: RunningSandbox) -> None:
    """Twelve at once with the same key: one runs, the rest replay it or are told to wait (409)."""

    def create(_: int) -> tuple[int, str | None]:
        answer = sandbox.api(
            "POST", "/v1/checkout/sessions", session_params(), idempotency_key="order-parallel"
        )
        body = answer.json()
        return answer.status, body.get("id") or body["error"].get("code")

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(create, range(12)))

    created = {found for status, found in answers if status == 200}
    waits = [found for status, found in answers if status == 409]
    assert len(created) == 1
    assert set(waits) <= {"idempotency_key_in_use"}
    assert len(waits) + sum(1 for status, _ in answers if status == 200) == 12
