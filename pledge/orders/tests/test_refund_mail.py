"""The refund mail: one billing mail per refund, queued with the move to refunded."""

from __future__ import annotations

import pytest

from pledge.licensing.models import LicenseKey
from pledge.mail.models import OutboundMessage
from pledge.orders.models import Status
from pledge.orders.refunds import refund_order
from pledge.policy.consent import record_consent

from .conftest import event_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(wire, make_order, deliver):
    order = make_order("buyer@example.com")
    deliver(event_body("checkout.session.completed", wire.complete(order.checkout_session_id)))
    order.refresh_from_db()
    return order


def charge_refunded(order, *, event_id, amount=14900):
    return event_body(
        "charge.refunded",
        {
            "id": "ch_1",
            "object": "charge",
            "payment_intent": order.payment_intent_id,
            "amount_refunded": amount,
            "refunded": True,
            "currency": "usd",
        },
        event_id=event_id,
    )


def test_a_staff_refund_queues_one_billing_mail_naming_amount_order_and_revoked_key(
    paid_order, clerk
):
    # Billing is transactional: an opt-out of the newsletter does not stop it.
    record_consent(
        paid_order.person, "newsletter", granted=False, collection_point="mailing_lists", via="t"
    )
    key = LicenseKey.objects.get(registration__order_ref=paid_order.number)

    refund_order(paid_order, actor=clerk, reason="duplicate purchase")

    mail = OutboundMessage.objects.get(template="orders/refund")
    assert (mail.purpose, mail.status, mail.to_address) == (
        "billing",
        "queued",
        "buyer@example.com",
    )
    assert mail.subject == f"Your order {paid_order.number} was refunded: $149.00"
    assert f"Order:    {paid_order.number}\n" in mail.body_text
    assert "Refunded: $149.00\n" in mail.body_text
    revoked = f"The license key {key.serial} for ContactGenie Professional is revoked"
    assert revoked in mail.body_text
    assert f"<strong>{key.serial}</strong> for ContactGenie Professional is revoked" in (
        mail.body_html
    )
    assert "Manage your data: see, correct" in mail.body_text  # added by the outbox
    assert LicenseKey.objects.get(pk=key.pk).status == "revoked"


def test_a_charge_refunded_event_delivered_twice_mails_the_buyer_once(paid_order, deliver, wire):
    first = deliver(charge_refunded(paid_order, event_id="evt_refund", amount=14900))
    again = deliver(charge_refunded(paid_order, event_id="evt_refund", amount=14900))
    other = deliver(charge_refunded(paid_order, event_id="evt_refund_retry", amount=14900))

    outcomes = [r.json()["outcome"] for r in (first, again, other)]
    assert outcomes == [
        "refunded",
        "duplicate: already handled",
        "no change: the refund is recorded already",
    ]
    paid_order.refresh_from_db()
    assert paid_order.status == Status.REFUNDED
    [mail] = OutboundMessage.objects.filter(template="orders/refund")
    assert "Refunded: $149.00\n" in mail.body_text
    assert f"Your order {paid_order.number} on ContactGenie was refunded." in mail.body_text


def test_the_processors_event_after_a_staff_refund_sends_no_second_mail(paid_order, clerk, deliver):
    refund_order(paid_order, actor=clerk, reason="customer changed their mind")

    response = deliver(charge_refunded(paid_order, event_id="evt_after_staff"))

    assert response.json()["outcome"] == "no change: the refund is recorded already"
    assert OutboundMessage.objects.filter(template="orders/refund").count() == 1
