"""The ``sandbox_processor`` fixture other apps' tests use: a running sandbox, reachable as Stripe."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

received: list[bytes] = []


@pytest.fixture
def sandbox_webhook_url() -> Iterator[str]:
    """An endpoint standing in for the vendor's view, recording what it gets."""
    received.clear()

    class Endpoint(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/payments/stripe/webhook/"
    server.shutdown()
    server.server_close()


def test_the_fixture_pays_a_session_and_delivers_the_event(
    sandbox_processor: Any, sandbox_webhook_url: str
) -> None:
    created = sandbox_processor.api(
        "POST",
        "/v1/checkout/sessions",
        {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 4900,
                        "product_data": {"name": "ContactGenie"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "http://claxton.localhost:8000/orders/thanks/",
        },
    ).json()

    paid = sandbox_processor.pay(created["url"])
    event = sandbox_processor.wait_for_event("checkout.session.completed")
    delivery = sandbox_processor.wait_for_delivery(event["id"])

    assert paid.status == 303
    assert sandbox_processor.webhook_url == sandbox_webhook_url
    assert sandbox_processor.secret_key.startswith("sk_test_")
    assert sandbox_processor.webhook_secret.startswith("whsec_")
    assert (delivery["state"], delivery["attempts"]) == ("delivered", 1)
    assert [body.count(event["id"].encode()) for body in received] == [1]
