"""Fixtures for the sandbox's own tests: a sandbox process, the SDK, a webhook receiver."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe

from pledge.tests.conftest import chromium, page  # noqa: F401 (fixtures reused here)
from sandbox_processor.testing import RunningSandbox, start_sandbox


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


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1: records every POST, answers scripted statuses.

    GETs answer a plain page, standing in for the shop's success and cancel pages.
    """

    url: str = ""
    base_url: str = ""
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    # Called with each event before answering, as a vendor's view would act on it.
    on_event: Callable[[dict[str, Any]], None] | None = None

    def wait_for(self, count: int, timeout: float = 15.0) -> list[tuple[bytes, dict[str, str]]]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} deliveries, wanted {count}")
            return list(self.received)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _ in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.on_event is not None:
                state.on_event(json.loads(body))
            status = state.answers.pop(0) if state.answers else 200
            with state.arrived:
                state.received.append((body, {k.lower(): v for k, v in self.headers.items()}))
                state.arrived.notify_all()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            """The shop's pages a browser returns to (success_url, cancel_url)."""
            body = f"<!doctype html><title>Shop</title><h1>Shop page {self.path}</h1>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    state.url = f"{state.base_url}/payments/stripe/webhook/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
