"""C14: the processor gets only what billing needs, as the declaration lists for it.

The payload is read off the wire: the request Stripe's SDK actually sent to a
local server speaking the processor's API.
"""

from __future__ import annotations

import copy
from urllib.parse import parse_qsl

import pytest

from pledge.payments.processor import UndeclaredField, processor_payload
from pledge.policy.declaration import Declaration
from pledge.policy.loaded import configured_declaration
from pledge.policy.versions import publish_version

from .conftest import ADDRESS

pytestmark = pytest.mark.django_db

NAME = "Zebulon Quartermaine"
EMAIL = "zebulon@example.com"


def _session_request(wire):
    [sent] = [r for r in wire.requests if r.method == "POST" and r.path == "/v1/checkout/sessions"]
    return sent


def test_the_session_request_carries_the_declared_categories_and_no_other_personal_data(
    make_order, wire
):
    order = make_order(EMAIL, name=NAME, shipping_address=ADDRESS)

    sent = _session_request(wire)

    fields = dict(parse_qsl(sent.body.decode()))
    assert fields == {
        "mode": "payment",
        "client_reference_id": order.number,
        "customer_email": EMAIL,  # user.contact.email: declared for the processor
        "line_items[0][quantity]": "1",  # user.behavior.purchase_history: declared
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "14900",
        "line_items[0][price_data][product_data][name]": "ContactGenie Professional",
        "success_url": "http://contactgenie.localhost/orders/x/?paid=1",
        "cancel_url": "http://contactgenie.localhost/orders/x/?cancelled=1",
    }
    raw = sent.body.decode() + " ".join(sent.headers.values())
    for personal in (NAME, "Zebulon", "Quartermaine", "Analytical", "N1 7AA", "London"):
        assert personal not in raw
    assert sent.headers["Idempotency-Key"] == f"pledge-order-{order.number}-checkout"


def test_a_category_the_declaration_withdraws_from_the_processor_is_not_sent(make_order, wire):
    data = copy.deepcopy(configured_declaration().data)
    data["processors"]["payment"]["categories"] = ["user.behavior.purchase_history"]
    publish_version(Declaration(data=data, source="test"))

    make_order(EMAIL, name=NAME)

    fields = dict(parse_qsl(_session_request(wire).body.decode()))
    assert "customer_email" not in fields
    assert EMAIL not in _session_request(wire).body.decode()
    assert fields["line_items[0][price_data][product_data][name]"] == "ContactGenie Professional"


def test_the_filter_drops_undeclared_categories_and_refuses_unknown_fields(policy):
    kept = processor_payload(
        {
            "mode": "payment",
            "customer_email": EMAIL,
            "customer_details": {"name": NAME},
            "shipping_address_collection": {"allowed_countries": ["GB"]},
        }
    )
    assert kept == {"mode": "payment", "customer_email": EMAIL}
    with pytest.raises(UndeclaredField):
        processor_payload({"metadata": {"buyer": NAME}})


def test_a_retried_checkout_creates_one_session(make_order, wire):
    from pledge.orders.checkout import start_payment

    order = make_order()
    url = start_payment(order, success_url="http://x/ok", cancel_url="http://x/no")

    assert url == wire.sessions[order.checkout_session_id]["url"]
    assert len(wire.sessions) == 1
    assert [r.method for r in wire.requests] == ["POST", "GET"]
