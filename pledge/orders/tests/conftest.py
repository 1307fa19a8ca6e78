"""Fixtures for the orders' tests: a product, a processor on the wire, signed events."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from pledge.orders.checkout import place_order, start_payment
from pledge.orders.models import Order
from pledge.payments.signature import signature_header
from pledge.payments.tests.wire import Wire, start_wire
from pledge.shop.catalog import save_product
from pledge.shop.models import Product

WEBHOOK = "/payments/stripe/webhook/"
ADDRESS = "12 Analytical Row\nLondon N1 7AA\nUnited Kingdom"


@pytest.fixture
def wire(settings: Any) -> Iterator[Wire]:
    """The processor's API on a local port (see ``wire.py``), the SDK pointed at it."""
    double, server = start_wire()
    settings.STRIPE_API_BASE = double.base
    yield double
    server.shutdown()
    server.server_close()


@pytest.fixture
def product(policy: Any) -> Product:
    product = Product(
        sku="cg-pro",
        name="ContactGenie Professional",
        edition="Professional",
        summary="For a small office.",
        price=Decimal("149.00"),
    )
    save_product(product, by=None, sites=["contactgenie", "claxton"])
    return product


@pytest.fixture
def make_order(product: Product, wire: Wire) -> Callable[..., Order]:
    """An order placed on the form and sent to the processor (its session created)."""

    def make(email: str = "buyer@example.com", *, signed_in: Any = None, **extra: Any) -> Order:
        order = place_order(
            product=extra.pop("product", product),
            site=extra.pop("site", "contactgenie"),
            name=extra.pop("name", "Ada Buyer"),
            email=email,
            shipping_address=extra.pop("shipping_address", ADDRESS),
            signed_in=signed_in,
            **extra,
        )
        start_payment(
            order,
            success_url="http://contactgenie.localhost/orders/x/?paid=1",
            cancel_url="http://contactgenie.localhost/orders/x/?cancelled=1",
        )
        order.refresh_from_db()
        return order

    return make


def event_body(kind: str, obj: dict[str, Any], *, event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


@pytest.fixture
def deliver(client: Client) -> Callable[..., Any]:
    """POST a signed event to the webhook, as the processor does."""

    def send(
        body: bytes,
        *,
        at: float | None = None,
        secret: str | None = None,
        header: str | None = None,
    ) -> Any:
        if header is None:
            header = signature_header(
                secret or settings.STRIPE_WEBHOOK_SECRET, int(at or time.time()), body
            )
        return client.post(
            WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )

    return send


@pytest.fixture
def clerk(policy: Any) -> Any:
    """A billing clerk, with the role's permissions as ``pledge staff roles`` gives them."""
    from django.utils import timezone

    from pledge.people.models import Person
    from pledge.staff.roles import assign_role, sync_roles

    sync_roles()
    person = Person.objects.create_user(
        "billing@claxton.localhost",
        "staff password 2026",
        point="staff",
        name="Billing Clerk",
        email_verified_at=timezone.now(),
        is_staff=True,
    )
    assign_role(person, "billing_clerk", by=None)
    return Person.objects.get(pk=person.pk)  # fresh: no cached permissions
