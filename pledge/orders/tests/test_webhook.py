"""The processor's webhook: signed on the raw body, handled once, never moving an order back."""

from __future__ import annotations

import logging
import time

import pytest
from django.conf import settings

from pledge.mail.models import OutboundMessage
from pledge.orders.models import Order, OrderEvent, Status
from pledge.payments.models import ReceivedEvent
from pledge.payments.signature import signed_payload_digest

from .conftest import event_body

pytestmark = pytest.mark.django_db


def webhook_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "pledge.payments.webhook"]


def completed(wire, order, event_id="evt_paid"):
    session = wire.complete(order.checkout_session_id)
    return event_body("checkout.session.completed", session, event_id=event_id)


def test_valid_completed_event_marks_the_order_paid_and_queues_the_receipt(
    wire, make_order, deliver
):
    order = make_order()

    response = deliver(completed(wire, order))

    assert response.status_code == 200
    assert response.json()["outcome"] == "paid"
    order.refresh_from_db()
    assert order.status == Status.PAID
    assert order.payment_intent_id == f"pi_{order.checkout_session_id[3:]}"
    assert ReceivedEvent.objects.get().event_id == "evt_paid"
    receipt = OutboundMessage.objects.get(template="orders/receipt")
    assert (receipt.purpose, receipt.status, receipt.to_address) == (
        "billing",
        "queued",
        order.email,
    )
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds == ["placed", "checkout", "status", "charge", "invoice"]
    assert "Set-Cookie" not in response.headers


def test_a_forged_signature_is_refused_with_400_and_a_log_line(wire, make_order, deliver, caplog):
    order = make_order()
    body = completed(wire, order)

    with caplog.at_level(logging.WARNING, logger="pledge.payments.webhook"):
        response = deliver(body, secret="whsec_someone_else")

    assert response.status_code == 400
    assert Order.objects.get(pk=order.pk).status == Status.PENDING
    assert ReceivedEvent.objects.count() == 0
    assert webhook_lines(caplog) == [
        "webhook refused: NoValidSignature: no v1 signature matches the body"
    ]


def test_a_body_changed_after_signing_is_refused(wire, make_order, deliver):
    order = make_order()
    body = completed(wire, order)
    header = f"t={int(time.time())},v1={signed_payload_digest(settings.STRIPE_WEBHOOK_SECRET, int(time.time()), body)}"

    response = deliver(body.replace(b'"livemode": false', b'"livemode": true'), header=header)

    assert response.status_code == 400
    assert Order.objects.get(pk=order.pk).status == Status.PENDING


def test_any_v1_signature_may_match_and_other_schemes_are_ignored(wire, make_order, deliver):
    order = make_order()
    body = completed(wire, order)
    now = int(time.time())
    good = signed_payload_digest(settings.STRIPE_WEBHOOK_SECRET, now, body)
    header = f"t={now},v0={good},v1={'0' * 64},v1={good}"

    assert deliver(body, header=header).status_code == 200
    assert (
        deliver(
            body,
            header=f"t={now},v0={good}",
        ).status_code
        == 400
    )


def test_an_expired_timestamp_is_refused(wire, make_order, deliver, caplog):
    order = make_order()
    old = time.time() - settings.STRIPE_WEBHOOK_TOLERANCE - 5

    with caplog.at_level(logging.WARNING, logger="pledge.payments.webhook"):
        response = deliver(completed(wire, order), at=old)

    assert response.status_code == 400
    assert Order.objects.get(pk=order.pk).status == Status.PENDING
    assert webhook_lines(caplog)[0].startswith("webhook refused: StaleTimestamp: signed ")


def test_a_future_timestamp_is_refused(wire, make_order, deliver, caplog):
    order = make_order()
    future = time.time() + settings.STRIPE_WEBHOOK_TOLERANCE + 60

    with caplog.at_level(logging.WARNING, logger="pledge.payments.webhook"):
        response = deliver(completed(wire, order), at=future)

    assert response.status_code == 400
    assert Order.objects.get(pk=order.pk).status == Status.PENDING
    assert webhook_lines(caplog)[0].startswith("webhook refused: FutureTimestamp: signed ")


def test_a_timestamp_inside_the_tolerance_either_side_is_accepted(wire, make_order, deliver):
    order = make_order()
    slightly_ahead = time.time() + settings.STRIPE_WEBHOOK_TOLERANCE - 30

    assert deliver(completed(wire, order), at=slightly_ahead).status_code == 200


def test_a_duplicate_event_changes_nothing(wire, make_order, deliver):
    order = make_order()
    body = completed(wire, order)
    assert deliver(body).status_code == 200
    events_before = OrderEvent.objects.count()
    mails_before = OutboundMessage.objects.count()

    again = deliver(body)

    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate: already handled"
    assert OrderEvent.objects.count() == events_before
    assert OutboundMessage.objects.count() == mails_before
    assert ReceivedEvent.objects.count() == 1


def test_the_same_payment_under_a_second_event_id_is_fulfilled_once(wire, make_order, deliver):
    order = make_order()
    deliver(completed(wire, order, event_id="evt_a"))

    response = deliver(completed(wire, order, event_id="evt_b"))

    assert response.json()["outcome"] == "no change: the order is paid already"
    assert OutboundMessage.objects.filter(template="orders/receipt").count() == 1
    assert order.events.filter(kind="charge").count() == 1


def test_failed_after_paid_is_recorded_and_changes_nothing(wire, make_order, deliver):
    order = make_order()
    deliver(completed(wire, order))
    session = wire.sessions[order.checkout_session_id]
    late = event_body(
        "checkout.session.async_payment_failed",
        {**session, "payment_status": "unpaid"},
        event_id="evt_late_failure",
    )

    response = deliver(late)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Status.PAID
    ignored = order.events.get(kind="ignored")
    assert ignored.processor_event_id == "evt_late_failure"
    assert ignored.note == ("checkout.session.async_payment_failed: the order is paid already")


def test_payment_failed_for_a_paid_order_is_recorded_and_changes_nothing(wire, make_order, deliver):
    order = make_order()
    deliver(completed(wire, order))
    order.refresh_from_db()
    failed = event_body(
        "payment_intent.payment_failed",
        {
            "id": order.payment_intent_id,
            "object": "payment_intent",
            "status": "requires_payment_method",
        },
        event_id="evt_pi_failed",
    )

    response = deliver(failed)

    assert response.json()["outcome"] == "no change: payment failed after the order was paid"
    assert Order.objects.get(pk=order.pk).status == Status.PAID


def test_an_event_for_an_unknown_order_is_refused_with_404(wire, deliver, caplog, policy):
    body = event_body(
        "checkout.session.completed",
        {"id": "cs_test_nobody", "object": "checkout.session", "status": "complete"},
        event_id="evt_unknown",
    )

    with caplog.at_level(logging.WARNING, logger="pledge.payments.webhook"):
        response = deliver(body)

    assert response.status_code == 404
    assert ReceivedEvent.objects.count() == 0
    assert webhook_lines(caplog)[0] == (
        "webhook refused: checkout.session.completed evt_unknown: "
        "no order has checkout session cs_test_nobody"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b'{"object": "list", "data": []}',
        b'{"id": "evt_1", "object": "event", "type": "checkout.session.completed", "created": 1}',
        b'{"id": 5, "object": "event", "type": "x", "created": 1, "data": {"object": {"id": "x"}}}',
    ],
    ids=["not-json", "not-an-event", "no-object", "bad-id"],
)
def test_a_malformed_event_is_refused_with_400(deliver, body, caplog, policy):
    with caplog.at_level(logging.WARNING, logger="pledge.payments.webhook"):
        response = deliver(body)

    assert response.status_code == 400
    assert response.json() == {"error": "malformed"}
    assert webhook_lines(caplog)[0].startswith("webhook refused: malformed event: ")


@pytest.mark.parametrize(
    "header",
    ["", "garbage", "t=abc,v1=00", "v1=00", "t=1700000000"],
    ids=["missing", "garbage", "bad-time", "no-time", "no-v1"],
)
def test_a_malformed_signature_header_is_refused(deliver, header, policy):
    assert deliver(b"{}", header=header).status_code == 400


def test_an_event_type_orders_do_not_act_on_is_accepted_and_recorded(deliver, policy):
    body = event_body("customer.created", {"id": "cus_1", "object": "customer"}, event_id="evt_c")

    response = deliver(body)

    assert response.status_code == 200
    assert (
        ReceivedEvent.objects.get().outcome
        == "ignored: customer.created is not an event orders act on"
    )


def test_get_is_not_allowed(client, policy):
    assert client.get("/payments/stripe/webhook/").status_code == 405


def test_an_expired_session_expires_the_order(wire, make_order, deliver):
    order = make_order()
    session = wire.expire(order.checkout_session_id)

    response = deliver(event_body("checkout.session.expired", session, event_id="evt_exp"))

    assert response.json()["outcome"] == "expired"
    assert Order.objects.get(pk=order.pk).status == Status.EXPIRED


def test_a_completed_event_whose_session_is_still_open_changes_nothing(wire, make_order, deliver):
    """Fulfilment believes the processor, asked again, not the event's body."""
    order = make_order()
    forged_claim = {
        **wire.sessions[order.checkout_session_id],
        "status": "complete",
        "payment_status": "paid",
    }

    response = deliver(event_body("checkout.session.completed", forged_claim, event_id="evt_x"))

    assert response.json()["outcome"] == "no change: the processor says the session is open/unpaid"
    assert Order.objects.get(pk=order.pk).status == Status.PENDING


def test_an_amount_that_differs_from_the_order_is_not_marked_paid(wire, make_order, deliver):
    order = make_order()
    session = wire.complete(order.checkout_session_id, amount_total=100)

    response = deliver(event_body("checkout.session.completed", session, event_id="evt_amt"))

    assert (
        response.json()["outcome"]
        == "no change: the amount paid differs from the order's; staff must look"
    )
    assert Order.objects.get(pk=order.pk).status == Status.PENDING
