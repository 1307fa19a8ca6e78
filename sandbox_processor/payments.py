"""Payment intents, charges and refunds behind a Checkout Session.

The shapes follow Stripe's: a payment intent names its ``latest_charge``;
the charge carries ``payment_method_details.card`` (brand, last4, expiry),
which is all the sandbox keeps of a card.
"""

from __future__ import annotations

from typing import Any

from sandbox_processor.cards import INSUFFICIENT_FUNDS, Card
from sandbox_processor.errors import invalid, no_such
from sandbox_processor.params import Params
from sandbox_processor.processor import NO_REQUEST, Processor, RequestInfo, new_id

INTENT = "payment_intent"
CHARGE = "charge"
REFUND = "refund"

DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "test_mode_live_card": (
        "Your card was declined. Your request was in test mode, but used a non test card. "
        "For a list of valid test cards, see the list on this page."
    ),
}


def get_intent(sandbox: Processor, intent_id: str) -> dict[str, Any]:
    intent = sandbox.store.get(intent_id, INTENT)
    if intent is None:
        raise no_such("payment_intent", intent_id, param="intent")
    return intent


def get_charge(sandbox: Processor, charge_id: str) -> dict[str, Any]:
    charge = sandbox.store.get(charge_id, CHARGE)
    if charge is None:
        raise no_such("charge", charge_id, param="charge")
    return charge


def get_refund(sandbox: Processor, refund_id: str) -> dict[str, Any]:
    refund = sandbox.store.get(refund_id, REFUND)
    if refund is None:
        raise no_such("refund", refund_id, param="refund")
    return refund


def intent_for_session(
    sandbox: Processor, session: dict[str, Any], private: dict[str, Any]
) -> dict[str, Any]:
    """The session's payment intent, made at the first attempt to pay (as Stripe does)."""
    if private.get("payment_intent"):
        return get_intent(sandbox, private["payment_intent"])
    intent = {
        "id": new_id("pi"),
        "object": INTENT,
        "amount": session["amount_total"],
        "amount_received": 0,
        "canceled_at": None,
        "created": sandbox.now(),
        "currency": session["currency"],
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": private.get("payment_intent_metadata", {}),
        "payment_method": None,
        "payment_method_types": ["card"],
        "status": "requires_payment_method",
    }
    sandbox.store.insert(intent)
    return intent


def _new_charge(
    sandbox: Processor, intent: dict[str, Any], card: Card, status: str, payment_method: str
) -> dict[str, Any]:
    charge = {
        "id": new_id("ch"),
        "object": CHARGE,
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if status == "succeeded" else 0,
        "amount_refunded": 0,
        "billing_details": {"name": card.name, "email": None, "address": None, "phone": None},
        "captured": status == "succeeded",
        "created": sandbox.now(),
        "currency": intent["currency"],
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": {},
        "paid": status == "succeeded",
        "payment_intent": intent["id"],
        "payment_method": payment_method,
        "payment_method_details": {"card": card.details(), "type": "card"},
        "refunded": False,
        "status": status,
    }
    sandbox.store.insert(charge)
    return charge


def decline(
    sandbox: Processor, intent: dict[str, Any], card: Card, outcome: str | None
) -> dict[str, Any]:
    """A refused card: a failed charge, the intent back to requires_payment_method."""
    code = (
        "insufficient_funds"
        if outcome == INSUFFICIENT_FUNDS
        else "test_mode_live_card"
        if outcome is None
        else "generic_decline"
    )
    payment_method = new_id("pm")
    charge = _new_charge(sandbox, intent, card, "failed", payment_method)
    charge.update(failure_code="card_declined", failure_message=DECLINE_MESSAGES[code])
    sandbox.store.save(charge)
    intent = {
        **intent,
        "latest_charge": charge["id"],
        "payment_method": None,
        "status": "requires_payment_method",
        "last_payment_error": {
            "charge": charge["id"],
            "code": "card_declined",
            "decline_code": code,
            "message": DECLINE_MESSAGES[code],
            "type": "card_error",
            "payment_method": {"id": payment_method, "object": "payment_method", "type": "card"},
        },
    }
    sandbox.store.save(intent)
    sandbox.emit("payment_intent.payment_failed", intent)
    return intent


def charge(
    sandbox: Processor, intent: dict[str, Any], card: Card, *, pending: bool
) -> dict[str, Any]:
    """Charge the card; ``pending`` leaves it processing until ``settle``."""
    payment_method = new_id("pm")
    new = _new_charge(sandbox, intent, card, "pending" if pending else "succeeded", payment_method)
    intent = {
        **intent,
        "amount_received": 0 if pending else intent["amount"],
        "last_payment_error": None,
        "latest_charge": new["id"],
        "payment_method": payment_method,
        "status": "processing" if pending else "succeeded",
    }
    sandbox.store.save(intent)
    return intent


def settle(sandbox: Processor, intent: dict[str, Any], *, succeeded: bool) -> dict[str, Any]:
    """Finish a pending charge one way or the other."""
    pending = get_charge(sandbox, intent["latest_charge"])
    if succeeded:
        pending.update(
            status="succeeded", paid=True, captured=True, amount_captured=pending["amount"]
        )
        intent = {**intent, "status": "succeeded", "amount_received": intent["amount"]}
    else:
        message = DECLINE_MESSAGES["generic_decline"]
        pending.update(status="failed", failure_code="card_declined", failure_message=message)
        intent = {
            **intent,
            "status": "requires_payment_method",
            "payment_method": None,
            "last_payment_error": {
                "charge": pending["id"],
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": message,
                "type": "card_error",
            },
        }
    sandbox.store.save(pending)
    sandbox.store.save(intent)
    return intent


def create_refund(
    sandbox: Processor, raw: dict[str, Any], request: RequestInfo = NO_REQUEST
) -> dict[str, Any]:
    """Refund all or part of a succeeded payment; emits charge.refunded."""
    params = Params(raw).only(
        ["payment_intent", "charge", "amount", "reason", "metadata", "expand"]
    )
    amount = params.integer("amount", minimum=1)
    reason = params.text("reason")
    if reason not in {None, "duplicate", "fraudulent", "requested_by_customer"}:
        raise invalid(
            "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
            param="reason",
        )
    metadata = params.metadata()
    with sandbox.store.write():
        intent_id = params.text("payment_intent")
        charge_id = params.text("charge")
        if intent_id is None and charge_id is None:
            raise invalid(
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                param="payment_intent",
                code="parameter_missing",
            )
        if intent_id is not None:
            intent = get_intent(sandbox, intent_id)
            if intent["status"] != "succeeded" or not intent["latest_charge"]:
                raise invalid(
                    f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                    param="payment_intent",
                )
            paid = get_charge(sandbox, intent["latest_charge"])
        else:
            assert charge_id is not None
            paid = get_charge(sandbox, charge_id)
            if paid["status"] != "succeeded":
                raise invalid(f"Charge {charge_id} has not succeeded.", param="charge")
        remaining = paid["amount_captured"] - paid["amount_refunded"]
        if remaining <= 0:
            raise invalid(
                f"Charge {paid['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = remaining if amount is None else amount
        if amount > remaining:
            raise invalid(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                param="amount",
                code="amount_too_large",
            )
        refund = {
            "id": new_id("re"),
            "object": REFUND,
            "amount": amount,
            "charge": paid["id"],
            "created": sandbox.now(),
            "currency": paid["currency"],
            "metadata": metadata,
            "payment_intent": paid["payment_intent"],
            "reason": reason,
            "status": "succeeded",
        }
        sandbox.store.insert(refund)
        paid = {
            **paid,
            "amount_refunded": paid["amount_refunded"] + amount,
            "refunded": paid["amount_refunded"] + amount == paid["amount_captured"],
        }
        sandbox.store.save(paid)
        sandbox.emit("charge.refunded", paid, request)
    return refund
