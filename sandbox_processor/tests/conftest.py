"""Fixtures for the sandbox's own tests: a sandbox process, the SDK, a webhook receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stripe

from sandbox_processor.testing import RunningSandbox, WebhookReceiver, start_sandbox


@pytest.fixture
def start(tmp_path_factory: Any) -> Iterator[Callable[..., RunningSandbox]]:
    started: list[RunningSandbox] = []

    def start(webhook_url: str | None = None, **options: Any) -> RunningSandbox:
        sandbox = start_sandbox(
            tmp_path_factory.mktemp("sandbox"), webhook_url=webhook_url, **options
        )
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(start: Callable[..., RunningSandbox]) -> RunningSandbox:
    return start()


def client_for(sandbox: RunningSandbox, api_key: str | None = None) -> stripe.StripeClient:
    """The official SDK pointed at the sandbox, as the vendor's adapter configures it."""
    return stripe.StripeClient(
        api_key or sandbox.secret_key, base_addresses={"api": sandbox.base_url}
    )


@pytest.fixture
def client(sandbox: RunningSandbox) -> stripe.StripeClient:
    return client_for(sandbox)


def session_params(**overrides: Any) -> dict[str, Any]:
    """A vendor's order of two lines, as the adapter would send it."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 4900,
                    "product_data": {"name": "Claxton Ledger, one seat"},
                },
                "quantity": 2,
            },
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 1500,
                    "product_data": {"name": "Printed manual"},
                },
                "quantity": 1,
            },
        ],
        "success_url": "http://shop.example/thanks/?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.example/basket/",
        "client_reference_id": "order-17",
        "customer_email": "ada@example.com",
        "metadata": {"order": "17"},
    }
    params.update(overrides)
    return params


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as endpoint:
        yield endpoint
