"""Webhook delivery: Stripe-shaped events, signatures the SDK verifies, retries, restarts."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import stripe

from sandbox_processor.testing import RunningSandbox, WebhookReceiver
from sandbox_processor.tests.conftest import client_for, session_params


def test_a_paid_session_is_delivered_as_a_signed_completed_event(
    start: Callable[..., RunningSandbox], receiver: WebhookReceiver
) -> None:
    sandbox = start(receiver.url)
    session = client_for(sandbox).v1.checkout.sessions.create(params=session_params())
    sandbox.pay(session.url)

    [(body, headers)] = receiver.wait_for(1)

    event = stripe.Webhook.construct_event(
        body.decode(), headers["stripe-signature"], sandbox.webhook_secret
    )
    assert event.type == "checkout.session.completed"
    assert event.data.object.id == session.id
    assert event.data.object.client_reference_id == "order-17"
    assert (event.object, event.livemode) == ("event", False)
    assert event.id.startswith("evt_")
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert sandbox.wait_for_delivery(event.id)["attempts"] == 1


def test_a_signature_made_with_another_secret_is_rejected_by_the_sdk(
    start: Callable[..., RunningSandbox], receiver: WebhookReceiver
) -> None:
    sandbox = start(receiver.url)
    session = client_for(sandbox).v1.checkout.sessions.create(params=session_params())
    client_for(sandbox).v1.checkout.sessions.expire(session.id)
    [(body, headers)] = receiver.wait_for(1)

    with pytest.raises(stripe.SignatureVerificationError, match="No signatures found matching"):
        stripe.Webhook.construct_event(body.decode(), headers["stripe-signature"], "whsec_other")
    tampered = body.decode().replace(session.id, "cs_test_forged")
    with pytest.raises(stripe.SignatureVerificationError, match="No signatures found matching"):
        stripe.Webhook.construct_event(
            tampered, headers["stripe-signature"], sandbox.webhook_secret
        )


def test_the_endpoint_may_call_the_api_while_its_event_is_being_delivered(
    start: Callable[..., RunningSandbox], receiver: WebhookReceiver
) -> None:
    """As a vendor's webhook view does: retrieve the session, expanded, before answering."""
    sandbox = start(receiver.url)
    client = client_for(sandbox)
    seen: list[str] = []
    receiver.on_event = lambda event: seen.append(
        client.v1.checkout.sessions.retrieve(
            event["data"]["object"]["id"], params={"expand": ["payment_intent"]}
        ).payment_intent.status
    )
    session = client.v1.checkout.sessions.create(params=session_params())

    assert sandbox.pay(session.url).status == 303
    receiver.wait_for(1)

    assert seen == ["succeeded"]


def test_an_api_call_names_its_request_and_idempotency_key_in_the_event(
    start: Callable[..., RunningSandbox], receiver: WebhookReceiver
) -> None:
    sandbox = start(receiver.url)
    client = client_for(sandbox)
    session = client.v1.checkout.sessions.create(params=session_params())
    client.v1.checkout.sessions.expire(session.id, options={"idempotency_key": "expire-17"})

    [(body, _)] = receiver.wait_for(1)

    event = json.loads(body)
    assert event["type"] == "checkout.session.expired"
    assert event["request"]["idempotency_key"] == "expire-17"
    assert event["request"]["id"].startswith("req_")
    assert event["api_version"] == client_for(sandbox).v1.events.retrieve(event["id"]).api_version


def test_a_500_is_retried_until_the_endpoint_accepts(
    start: Callable[..., RunningSandbox], receiver: WebhookReceiver
) -> None:
    receiver.answers[:] = [500, 503]
    sandbox = start(receiver.url, retry_schedule=(0.3, 0.3, 0.3))
    session = client_for(sandbox).v1.checkout.sessions.create(params=session_params())
    sandbox.pay(session.url)

    received = receiver.wait_for(3)

    assert len({body for body, _ in received}) == 1  # the same event each time
    event_id = json.loads(received[0][0])["id"]
    row = sandbox.wait_for_delivery(event_id)
    assert row["attempts"] == 3
    attempts = [(a["number"], a["status"]) for a in sandbox.deliveries()["attempts"]]
    assert attempts == [(1, 500), (2, 503), (3, 200)]


def test_an_endpoint_that_never_answers_is_given_up_after_the_schedule(
    start: Callable[..., RunningSandbox],
) -> None:
    sandbox = start("http://127.0.0.1:9/nothing-listens-here/", retry_schedule=(0.1, 0.1))
    session = client_for(sandbox).v1.checkout.sessions.create(params=session_params())
    client_for(sandbox).v1.checkout.sessions.expire(session.id)
    event = sandbox.wait_for_event("checkout.session.expired")

    row = sandbox.wait_for_delivery(event["id"], state="failed")

    assert row["attempts"] == 3
    attempts = sandbox.deliveries()["attempts"]
    assert [a["status"] for a in attempts] == [None, None, None]
    assert all("ConnectionRefused" in a["error"] or "URLError" in a["error"] for a in attempts)


def test_pending_deliveries_resume_after_a_crash_and_restart(
    start: Callable[..., RunningSandbox], receiver: WebhookReceiver
) -> None:
    receiver.answers[:] = [500]
    sandbox = start(receiver.url, retry_schedule=(1.5,))
    session = client_for(sandbox).v1.checkout.sessions.create(params=session_params())
    sandbox.pay(session.url)
    [(first, _)] = receiver.wait_for(1)
    event_id = json.loads(first)["id"]
    assert sandbox.wait_for_attempts(1)[0]["status"] == 500
    sandbox.kill()  # SIGKILL before the retry is due

    sandbox.start()
    received = receiver.wait_for(2)

    assert received[1][0] == first
    assert sandbox.wait_for_delivery(event_id)["attempts"] == 2


def test_refunds_emit_charge_refunded_and_stop_at_the_amount_paid(
    start: Callable[..., RunningSandbox], receiver: WebhookReceiver
) -> None:
    sandbox = start(receiver.url)
    client = client_for(sandbox)
    session = client.v1.checkout.sessions.create(params=session_params())
    sandbox.pay(session.url)
    intent_id = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    assert isinstance(intent_id, str)

    part = client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 1500})
    rest = client.v1.refunds.create(params={"payment_intent": intent_id})

    assert (part.object, part.status, part.amount) == ("refund", "succeeded", 1500)
    assert rest.amount == 11300 - 1500
    refunded = sandbox.wait_for_event("charge.refunded", count=2)["data"]["object"]
    assert (refunded["amount_refunded"], refunded["refunded"]) == (11300, True)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 100})
    assert refused.value.code == "charge_already_refunded"
    types = [json.loads(body)["type"] for body, _ in receiver.wait_for(3)]
    assert types == ["checkout.session.completed", "charge.refunded", "charge.refunded"]


def test_a_refund_larger_than_the_payment_is_refused(
    sandbox: RunningSandbox, client: stripe.StripeClient
) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    sandbox.pay(session.url)
    intent_id = client.v1.checkout.sessions.retrieve(session.id).payment_intent

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": str(intent_id), "amount": 11301})

    assert (refused.value.code, refused.value.param) == ("amount_too_large", "amount")
    assert sandbox.events("charge.refunded") == []


def test_an_unpaid_session_cannot_be_refunded(
    sandbox: RunningSandbox, client: stripe.StripeClient
) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    sandbox.pay(session.url, "4000 0000 0000 0002")
    intent = sandbox.wait_for_event("payment_intent.payment_failed")["data"]["object"]

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent["id"]})

    assert refused.value.http_status == 400
    assert refused.value.user_message == (
        f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund."
    )
