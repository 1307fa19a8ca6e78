"""The payments adapter: the one door to the processor, through Stripe's official SDK.

Everything the vendor sends passes ``processor_payload``, which keeps a field only
if its data category is one the policy in force lets the payment processor
receive (C14); card data never passes here at all, since the buyer types it on
the processor's page (C3). What comes back is reduced to whitelisted facts before
anyone else sees it. Configuration: ``STRIPE_API_BASE`` (the sandbox in the demo
and the tests, api.stripe.com in production), ``STRIPE_SECRET_KEY``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings

from pledge.policy.versions import current_version

logger = logging.getLogger("pledge.payments")

# The declaration's key of the payment processor (its ``processors:`` entry).
PROCESSOR = "payment"

# Every top-level field we may send to create a Checkout Session, with the data
# category it carries (None: it is about no person). A field not listed here is
# never sent: adding one means saying what it is.
SESSION_FIELDS: dict[str, str | None] = {
    "mode": None,
    "success_url": None,
    "cancel_url": None,
    "client_reference_id": None,  # our order number: random, names no one
    "expires_at": None,
    "customer_email": "user.contact.email",
    "line_items": "user.behavior.purchase_history",
    # Listed so that the filter, not the caller's restraint, keeps them out.
    "customer_details": "user.name",
    "shipping_address_collection": "user.contact.address",
}


class ProcessorError(RuntimeError):
    """The processor could not be reached or refused the request; nothing was changed here."""


class UndeclaredField(ValueError):
    """A field we do not know how to classify was about to be sent to the processor."""


def declared_categories(processor: str = PROCESSOR) -> frozenset[str]:
    """The data categories the policy in force lets ``processor`` receive."""
    entry = current_version().declaration.get("processors", {}).get(processor)
    if entry is None:
        return frozenset()
    return frozenset(entry.get("categories", []))


def processor_payload(params: dict[str, Any], processor: str = PROCESSOR) -> dict[str, Any]:
    """``params`` without any field whose category ``processor`` may not receive (C14).

    A field whose category is not declared for the processor is dropped and logged
    by name (never by value); an unknown field is refused outright.
    """
    allowed = declared_categories(processor)
    kept: dict[str, Any] = {}
    for name, value in params.items():
        if name not in SESSION_FIELDS:
            raise UndeclaredField(f"{name!r} has no declared data category for the processor")
        category = SESSION_FIELDS[name]
        if category is not None and category not in allowed:
            logger.info(
                "payments: not sending %s (%s is not declared for %s)", name, category, processor
            )
            continue
        kept[name] = value
    return kept


def checkout_origin() -> str:
    """The origin of the processor's hosted payment page, which order forms may post to."""
    if settings.STRIPE_CHECKOUT_ORIGIN:
        return str(settings.STRIPE_CHECKOUT_ORIGIN)
    parts = urlsplit(settings.STRIPE_API_BASE)
    return f"{parts.scheme}://{parts.netloc}"


def client() -> stripe.StripeClient:
    """An SDK client for the configured processor (Stripe, or the sandbox)."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )


@dataclass(frozen=True)
class Line:
    """One line of an order as the processor shows it: what, how much, how many."""

    description: str
    unit_amount: int  # in the currency's minor unit (cents)
    currency: str
    quantity: int = 1


@dataclass(frozen=True)
class SessionFacts:
    """What we keep of a Checkout Session: ids, amounts and statuses, nothing else."""

    id: str
    url: str
    status: str
    payment_status: str
    payment_intent: str
    amount_total: int | None
    currency: str
    client_reference_id: str


@dataclass(frozen=True)
class RefundFacts:
    id: str
    status: str
    amount: int
    currency: str


def _facts(obj: Any) -> SessionFacts:
    session = obj.to_dict()
    intent = session.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    return SessionFacts(
        id=str(session.get("id")),
        url=str(session.get("url") or ""),
        status=str(session.get("status") or ""),
        payment_status=str(session.get("payment_status") or ""),
        payment_intent=str(intent or ""),
        amount_total=session.get("amount_total"),
        currency=str(session.get("currency") or ""),
        client_reference_id=str(session.get("client_reference_id") or ""),
    )


def create_checkout_session(
    *,
    reference: str,
    email: str,
    lines: list[Line],
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> SessionFacts:
    """Create a hosted Checkout Session; the buyer is sent to its ``url`` to pay.

    ``idempotency_key`` is derived from the order by the caller: a retried request
    (a double click, a network retry) gets the same session, never a second one.
    """
    params = processor_payload(
        {
            "mode": "payment",
            "client_reference_id": reference,
            "customer_email": email,
            "line_items": [
                {
                    "quantity": line.quantity,
                    "price_data": {
                        "currency": line.currency.lower(),
                        "unit_amount": line.unit_amount,
                        "product_data": {"name": line.description},
                    },
                }
                for line in lines
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
    )
    try:
        session = client().v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        logger.warning(
            "payments: creating a session for %s failed: %s", reference, type(error).__name__
        )
        raise ProcessorError(
            f"the payment processor refused: {error.user_message or error}"
        ) from None
    facts = _facts(session)
    logger.info("payments: session %s created for %s", facts.id, reference)
    return facts


def retrieve_session(session_id: str) -> SessionFacts:
    """The session as the processor holds it now: what fulfilment trusts, not the event."""
    try:
        session = client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as error:
        logger.warning("payments: fetching session %s failed: %s", session_id, type(error).__name__)
        raise ProcessorError(f"could not fetch the session: {error}") from None
    return _facts(session)


def refund(*, payment_intent: str, idempotency_key: str) -> RefundFacts:
    """Refund a payment in full. The key makes a retried refund the same refund."""
    try:
        result = client().v1.refunds.create(
            params={"payment_intent": payment_intent},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        logger.warning("payments: refund of %s failed: %s", payment_intent, type(error).__name__)
        raise ProcessorError(f"the refund was refused: {error.user_message or error}") from None
    refunded = result.to_dict()
    return RefundFacts(
        id=str(refunded.get("id")),
        status=str(refunded.get("status") or ""),
        amount=int(refunded.get("amount") or 0),
        currency=str(refunded.get("currency") or ""),
    )
