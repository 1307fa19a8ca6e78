"""Erasing a buyer (C21) blanks who they were on orders and invoices; the invoice stays (tax law)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pledge.orders.models import Invoice, Order
from pledge.rights.erasure import erase_person

from .conftest import event_body

pytestmark = pytest.mark.django_db


def test_erasure_blanks_the_buyer_and_keeps_the_invoice_lines_and_amounts(
    wire, make_order, deliver
):
    order = make_order("erase.me@example.com", name="Erin Erased")
    deliver(event_body("checkout.session.completed", wire.complete(order.checkout_session_id)))
    order.refresh_from_db()

    erase_person(order.person, via="test")

    order = Order.objects.get(pk=order.pk)
    invoice = Invoice.objects.get(order=order)
    assert (order.name, order.email, order.shipping_address) == ("", "", "")
    assert (invoice.buyer_name, invoice.buyer_email, invoice.buyer_address) == ("", "", "")
    assert (invoice.number, invoice.total, invoice.lines[0]["sku"]) == (
        f"INV-{order.number}",
        Decimal("149.00"),
        "cg-pro",
    )
    assert order.status == "paid"
