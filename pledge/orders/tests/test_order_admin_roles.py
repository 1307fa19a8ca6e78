"""C20 on the order pages of the admin: only the jobs that need orders open them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pledge.people.models import Person
from pledge.policy.models import AuditEvent
from pledge.staff.roles import assign_role, sync_roles

from .conftest import event_body

pytestmark = pytest.mark.django_db

NAME, STREET = "Planted Buyer", "12 Analytical Row"


@pytest.fixture
def paid_order(wire, make_order, deliver):
    order = make_order("planted@example.com", name=NAME)
    deliver(event_body("checkout.session.completed", wire.complete(order.checkout_session_id)))
    order.refresh_from_db()
    return order


def staff(role):
    sync_roles()
    person = Person.objects.create_user(
        f"{role}@claxton.localhost",
        "staff password 2026",
        point="staff",
        name=role,
        email_verified_at=timezone.now(),
        is_staff=True,
    )
    assign_role(person, role, by=None)
    return person


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("billing_clerk", True),
        ("administrator", True),
        ("customer_service", False),
        ("marketing", False),
        ("privacy_officer", False),
    ],
)
def test_the_order_pages_open_only_for_the_jobs_that_need_them(client, paid_order, role, sees):
    client.force_login(staff(role))

    listing = client.get("/staff/orders/order/")
    detail = client.get(f"/staff/orders/order/{paid_order.pk}/change/")

    if sees:
        assert (listing.status_code, detail.status_code) == (200, 200)
        html = detail.content.decode()
        assert NAME in html and STREET in html
        assert AuditEvent.objects.filter(
            action="staff.view", subject_id=paid_order.person_id
        ).exists()
    else:
        assert (listing.status_code, detail.status_code) == (403, 403)
        assert NAME not in detail.content.decode()


@pytest.mark.parametrize("role", ["administrator", "customer_service", "marketing"])
def test_only_the_billing_clerk_refunds_or_writes_about_an_order(client, paid_order, role, wire):
    client.force_login(staff(role))

    refund = client.post(f"/staff/orders/order/{paid_order.pk}/refund/", {"reason": "x"})
    contact = client.post(
        f"/staff/orders/order/{paid_order.pk}/contact/", {"topic": "x", "message": "y"}
    )

    assert (refund.status_code, contact.status_code) == (403, 403)
    paid_order.refresh_from_db()
    assert paid_order.status == "paid"
    assert [r.path for r in wire.requests if r.path == "/v1/refunds"] == []
