"""End to end against the sandbox processor, in its own process, over HTTP.

The vendor's code path is production's: Stripe's SDK creates the Checkout
Session on the sandbox, the buyer's card is posted on the sandbox's card page,
the sandbox signs and delivers the webhook to the live server, the order is
paid, and the receipt with the license key leaves over SMTP.
"""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings

from pledge.licensing.models import LicenseKey
from pledge.mail.delivery import deliver_due
from pledge.orders.models import Order, Status
from pledge.orders.refunds import refund_order
from pledge.payments.models import ReceivedEvent
from pledge.payments.signature import signature_header

from .conftest import ADDRESS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox_webhook_url(live_server):
    return live_server.url + "/payments/stripe/webhook/"


@pytest.fixture
def processor(sandbox_processor, settings):
    settings.STRIPE_API_BASE = sandbox_processor.base_url
    settings.STRIPE_SECRET_KEY = sandbox_processor.secret_key
    settings.STRIPE_WEBHOOK_SECRET = sandbox_processor.webhook_secret
    return sandbox_processor


def _buy(client, email="grace@example.com"):
    return client.post(
        "/orders/buy/cg-pro/",
        {"name": "Grace Buyer", "email": email, "shipping_address": ADDRESS},
        HTTP_HOST="contactgenie.localhost",
    )


def test_paid_on_the_card_page_the_signed_webhook_pays_the_order_and_the_receipt_leaves(
    processor, product, client, smtp_sink
):
    response = _buy(client)

    assert response.status_code == 302
    session_url = response["Location"]
    assert session_url.startswith(processor.base_url + "/pay/")
    order = Order.objects.get()
    assert order.status == Status.PENDING

    answer = processor.pay(session_url)

    assert answer.status == 303
    assert answer.location == f"http://contactgenie.localhost/orders/{order.token}/?paid=1"
    event = processor.wait_for_event("checkout.session.completed")
    processor.wait_for_delivery(event["id"])
    order.refresh_from_db()
    assert order.status == Status.PAID
    assert ReceivedEvent.objects.get(event_id=event["id"]).outcome == "paid"
    key = LicenseKey.objects.get(registration__order_ref=order.number)
    deliver_due()
    [receipt] = [m for m in smtp_sink.messages if "receipt" in m.message["Subject"]]
    assert receipt.rcpt_tos == ["grace@example.com"]
    body = receipt.message.get_body(("plain",)).get_content()
    assert key.key in body.replace("\n", "")
    assert f"Order:    {order.number}" in body


def test_a_retried_session_request_with_the_same_key_is_the_same_session(processor, product):
    from pledge.payments.processor import Line, create_checkout_session

    def create():
        return create_checkout_session(
            reference="2026-RETRY",
            email="grace@example.com",
            lines=[Line("ContactGenie Professional", 14900, "USD")],
            success_url="http://contactgenie.localhost/ok",
            cancel_url="http://contactgenie.localhost/no",
            idempotency_key="pledge-order-2026-RETRY-checkout",
        )

    first, second = create(), create()

    assert (second.id, second.url) == (first.id, first.url)
    assert first.id.startswith("cs_")


def test_the_buyer_sent_back_to_pay_gets_the_same_session(processor, product, client):
    _buy(client)
    order = Order.objects.get()

    response = client.post(f"/orders/{order.token}/pay/", HTTP_HOST="contactgenie.localhost")

    assert response.status_code == 302
    assert response["Location"] == _session_url(order, processor)


def test_staff_refund_goes_through_the_processor_and_its_event_changes_nothing_more(
    start_sandbox_processor, settings, product, client, clerk
):
    # Events are fetched from this sandbox and delivered by the test, one at a time:
    # the live server shares the test's SQLite connection, so a refund written here
    # while the server handles the sandbox's own delivery would collide.
    sandbox = start_sandbox_processor(None)
    settings.STRIPE_API_BASE = sandbox.base_url
    settings.STRIPE_SECRET_KEY = sandbox.secret_key
    settings.STRIPE_WEBHOOK_SECRET = sandbox.webhook_secret
    _buy(client)
    order = Order.objects.get()
    sandbox.pay(_session_url(order, sandbox))
    assert _deliver(client, sandbox.wait_for_event("checkout.session.completed")) == "paid"
    order.refresh_from_db()

    refund_order(order, actor=clerk, reason="customer changed their mind")

    outcome = _deliver(client, sandbox.wait_for_event("charge.refunded"))
    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    assert outcome == "no change: the refund is recorded already"
    [recorded] = order.events.filter(kind="refund")
    assert (recorded.actor, str(recorded.amount)) == (clerk, "149.00")
    assert LicenseKey.objects.get(registration__order_ref=order.number).status == "revoked"


def _deliver(client, event):
    """POST the sandbox's event to the webhook, signed as the sandbox signs it."""
    body = json.dumps(event).encode()
    header = signature_header(settings.STRIPE_WEBHOOK_SECRET, int(time.time()), body)
    response = client.post(
        "/payments/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == 200, response.content
    return response.json()["outcome"]


def _session_url(order, processor):
    return processor.api("GET", f"/v1/checkout/sessions/{order.checkout_session_id}", {}).json()[
        "url"
    ]
