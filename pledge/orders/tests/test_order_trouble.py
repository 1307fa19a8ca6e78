"""Order trouble and refunds from the admin: the billing clerk's two actions on an order."""

from __future__ import annotations

import pytest

from pledge.licensing.models import Registration
from pledge.mail.models import OutboundMessage
from pledge.orders.models import Status
from pledge.orders.trouble import TroubleRefused, contact_about_order
from pledge.policy.consent import record_consent
from pledge.policy.models import AuditEvent

from .conftest import event_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(wire, make_order, deliver):
    order = make_order("buyer@example.com")
    deliver(event_body("checkout.session.completed", wire.complete(order.checkout_session_id)))
    order.refresh_from_db()
    return order


def test_the_clerk_writes_about_one_order_without_marketing_consent(paid_order, clerk, client):
    buyer = paid_order.person
    record_consent(buyer, "newsletter", granted=False, collection_point="mailing_lists", via="test")
    client.force_login(clerk)

    response = client.post(
        f"/staff/orders/order/{paid_order.pk}/contact/",
        {"topic": "Shipping address", "message": "The courier cannot find your street."},
    )

    assert response.status_code == 302
    mail = OutboundMessage.objects.get(template="orders/trouble")
    assert (mail.purpose, mail.status, mail.to_address) == (
        "order_trouble",
        "queued",
        "buyer@example.com",
    )
    assert mail.subject == f"About your order {paid_order.number}: Shipping address"
    assert f"your order {paid_order.number} (ContactGenie Professional" in mail.body_text
    assert paid_order.events.get(kind="contacted").actor == clerk
    assert AuditEvent.objects.filter(action="order.contacted", actor=clerk).count() == 1


def test_staff_without_the_role_may_not_write(paid_order, make_person, client):
    marketer = make_person("m@claxton.localhost")

    with pytest.raises(TroubleRefused):
        contact_about_order(paid_order, clerk=marketer, topic="x", message="y")
    assert not OutboundMessage.objects.filter(template="orders/trouble").exists()


def test_the_clerk_refunds_from_the_admin_through_the_processor(paid_order, clerk, client, wire):
    client.force_login(clerk)

    page = client.get(f"/staff/orders/order/{paid_order.pk}/refund/")
    assert page.status_code == 200
    response = client.post(
        f"/staff/orders/order/{paid_order.pk}/refund/", {"reason": "duplicate purchase"}
    )

    assert response.status_code == 302
    paid_order.refresh_from_db()
    assert paid_order.status == Status.REFUNDED
    assert wire.requests[-1].path == "/v1/refunds"
    assert (
        wire.requests[-1].headers["Idempotency-Key"] == f"pledge-order-{paid_order.number}-refund"
    )
    refund = paid_order.events.get(kind="refund")
    assert (refund.actor, str(refund.amount)) == (clerk, "149.00")
    assert Registration.objects.get(order_ref=paid_order.number).status == "revoked"


def test_the_order_page_in_the_admin_shows_the_history(paid_order, clerk, client):
    client.force_login(clerk)

    response = client.get(f"/staff/orders/order/{paid_order.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "payment received" in html and "Refund…" in html
