"""Checkout Sessions: create, read, expire, and the page's outcomes.

A session is what the vendor creates for one order: the line items, where to
send the buyer back, and its own reference (``client_reference_id``,
``metadata``). The buyer pays on the hosted page (``hosted.py``), which calls
``pay_session``; the vendor hears the result only through signed events.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sandbox_processor import payments
from sandbox_processor.cards import ASYNC_FAILS, ASYNC_SUCCEEDS, DECLINED, INSUFFICIENT_FUNDS, Card
from sandbox_processor.errors import ApiError, invalid, no_such
from sandbox_processor.params import Params, path
from sandbox_processor.processor import NO_REQUEST, Processor, RequestInfo, new_id

SESSION = "checkout.session"
DAY = 24 * 3600
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SessionClosed(Exception):
    """The session cannot take a payment any more (expired or already complete)."""

    def __init__(self, session: dict[str, Any]) -> None:
        super().__init__(session["status"])
        self.session = session


def _url(params: Params, key: str, *, required: bool) -> str | None:
    value = params.text(key, required=required, max_length=5000)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise invalid("Not a valid URL", param=key, code="url_invalid")
    return value


def _line_items(params: Params) -> list[dict[str, Any]]:
    given = params.array("line_items", required=True)
    items = []
    for index, raw in enumerate(given):
        item = Params(raw, path("line_items", index)).only(["price_data", "quantity"])
        quantity = item.integer("quantity", required=True, minimum=1)
        price = item.child("price_data", required=True)
        assert price is not None and quantity is not None
        price.only(["currency", "unit_amount", "product_data", "tax_behavior"])
        currency = (price.text("currency", required=True) or "").lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise invalid(f"Invalid currency: {currency}", param=path(price.name, "currency"))
        unit_amount = price.integer("unit_amount", required=True, minimum=0)
        product = price.child("product_data", required=True)
        assert product is not None and unit_amount is not None
        product.only(["name", "description", "metadata"])
        name = product.text("name", required=True, max_length=250)
        items.append(
            {
                "id": new_id("li"),
                "object": "item",
                "amount_discount": 0,
                "amount_subtotal": unit_amount * quantity,
                "amount_tax": 0,
                "amount_total": unit_amount * quantity,
                "currency": currency,
                "description": name,
                "price": {
                    "id": new_id("price"),
                    "object": "price",
                    "currency": currency,
                    "unit_amount": unit_amount,
                    "product": new_id("prod"),
                    "type": "one_time",
                },
                "quantity": quantity,
            }
        )
    if len({item["currency"] for item in items}) > 1:
        raise invalid("All line items must have the same currency.", param="line_items")
    return items


def minimum_amount(currency: str) -> int:
    """Stripe's smallest charge, about half a dollar (in the currency's minor unit)."""
    return {"jpy": 50, "gbp": 30, "huf": 17500}.get(currency, 50)


def create_session(sandbox: Processor, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate the parameters as Stripe does and store an open session."""
    params = Params(raw).only(
        [
            "mode",
            "line_items",
            "success_url",
            "cancel_url",
            "client_reference_id",
            "customer_email",
            "metadata",
            "expires_at",
            "expand",
            "payment_method_types",
            "payment_intent_data",
            "locale",
        ]
    )
    mode = params.text("mode", required=True)
    if mode != "payment":
        raise invalid(f"Invalid mode: the sandbox supports only payment (got {mode})", param="mode")
    for index, kind in enumerate(params.array("payment_method_types")):
        if kind != "card":
            raise invalid(
                f"The payment method type provided: {kind} is invalid. The sandbox takes card.",
                param=path("payment_method_types", index),
            )
    items = _line_items(params)
    success_url = _url(params, "success_url", required=True)
    cancel_url = _url(params, "cancel_url", required=False)
    reference = params.text("client_reference_id", max_length=200)
    email = params.text("customer_email", max_length=800)
    if email is not None and not EMAIL.match(email):
        raise invalid(
            f"Invalid email address: {email}", param="customer_email", code="email_invalid"
        )
    metadata = params.metadata()
    intent_data = params.child("payment_intent_data")
    intent_metadata: dict[str, str] = {}
    if intent_data is not None:
        intent_data.only(["metadata", "description"])
        intent_metadata = intent_data.metadata()
    now = sandbox.now()
    expires_at = params.integer("expires_at")
    if expires_at is None:
        expires_at = now + DAY
    elif expires_at > now + DAY:
        raise invalid(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            param="expires_at",
        )
    elif expires_at < now + 1800 and not sandbox.config.allow_short_expiry:
        raise invalid(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
            param="expires_at",
        )
    elif expires_at <= now:
        raise invalid("The `expires_at` timestamp must be in the future.", param="expires_at")
    currency = items[0]["currency"]
    total = sum(item["amount_total"] for item in items)
    if total < minimum_amount(currency):
        raise invalid(
            f"The Checkout Session's total amount due must add up to at least "
            f"{minimum_amount(currency)} in the smallest {currency} unit.",
            param="line_items",
            code="amount_too_small",
        )
    session_id = new_id("cs_test", 58)
    session = {
        "id": session_id,
        "object": SESSION,
        "amount_subtotal": total,
        "amount_total": total,
        "cancel_url": cancel_url,
        "client_reference_id": reference,
        "created": now,
        "currency": currency,
        "customer": None,
        "customer_details": None,
        "customer_email": email,
        "expires_at": expires_at,
        "livemode": False,
        "locale": params.text("locale"),
        "metadata": metadata,
        "mode": "payment",
        "payment_intent": None,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "status": "open",
        "success_url": success_url,
        "url": f"{sandbox.base_url}/pay/{session_id}",
    }
    sandbox.store.insert(session, {"line_items": items, "payment_intent_metadata": intent_metadata})
    return session


def get_session(sandbox: Processor, session_id: str) -> dict[str, Any]:
    session = sandbox.store.get(session_id, SESSION)
    if session is None:
        raise no_such("checkout.session", session_id, param="session")
    return session


def line_items(sandbox: Processor, session_id: str) -> dict[str, Any]:
    get_session(sandbox, session_id)
    items = sandbox.store.private(session_id).get("line_items", [])
    return {
        "object": "list",
        "data": items,
        "has_more": False,
        "url": f"/v1/checkout/sessions/{session_id}/line_items",
    }


def expire_session(
    sandbox: Processor, session_id: str, request: RequestInfo = NO_REQUEST
) -> dict[str, Any]:
    """Close an open session so it can no longer be paid; emits checkout.session.expired."""
    with sandbox.store.write():
        session = get_session(sandbox, session_id)
        if session["status"] != "open":
            raise ApiError(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired. '
                f'This Checkout Session has a status of "{session["status"]}".',
                param="session",
            )
        session = {**session, "status": "expired", "url": None}
        sandbox.store.save(session)
        sandbox.emit("checkout.session.expired", session, request)
    return session


def sweep_expired(sandbox: Processor) -> int:
    """Expire the open sessions whose ``expires_at`` has passed; the number expired."""
    due = sandbox.store.latest(
        SESSION,
        limit=500,
        where="AND json_extract(body, '$.status') = 'open' AND json_extract(body, '$.expires_at') <= ?",
        args=(sandbox.now(),),
    )
    for session in due:
        try:
            expire_session(sandbox, session["id"])
        except ApiError:
            continue  # paid or expired meanwhile
    return len(due)


def open_session(sandbox: Processor, session_id: str) -> dict[str, Any]:
    """The session if it can take a payment now; expires it on the spot if its time is up."""
    session = get_session(sandbox, session_id)
    if session["status"] == "open" and session["expires_at"] <= sandbox.now():
        try:
            session = expire_session(sandbox, session_id)
        except ApiError:
            session = get_session(sandbox, session_id)
    if session["status"] != "open":
        raise SessionClosed(session)
    return session


def pay_session(
    sandbox: Processor, session_id: str, card: Card, email: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Charge ``card`` for the session: the session and payment intent afterwards.

    A decline leaves the session open (the buyer may try another card) and
    emits payment_intent.payment_failed. A success completes the session;
    an asynchronous test card completes it unpaid and settles later.
    """
    with sandbox.store.write():
        session = open_session(sandbox, session_id)
        private = sandbox.store.private(session_id)
        intent = payments.intent_for_session(sandbox, session, private)
        private["payment_intent"] = intent["id"]
        outcome = card.outcome
        if outcome in {DECLINED, INSUFFICIENT_FUNDS, None}:
            intent = payments.decline(sandbox, intent, card, outcome)
            sandbox.store.save(session, private)
            return session, intent
        pending = outcome in {ASYNC_SUCCEEDS, ASYNC_FAILS}
        intent = payments.charge(sandbox, intent, card, pending=pending)
        details: dict[str, Any] = {
            "address": None,
            "email": email or session["customer_email"],
            "name": card.name,
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        }
        session = {
            **session,
            "status": "complete",
            "payment_status": "unpaid" if pending else "paid",
            "payment_intent": intent["id"],
            "customer_details": details,
            "url": None,
        }
        sandbox.store.save(session, private)
        sandbox.emit("checkout.session.completed", session)
        if pending:
            sandbox.store.connection().execute(
                "INSERT INTO timers (kind, object_id, due_at) VALUES (?, ?, ?)",
                (outcome, session_id, sandbox.now_precise() + sandbox.config.async_delay),
            )
    return session, intent


def settle_async(sandbox: Processor, kind: str, session_id: str) -> None:
    """The later result of an asynchronous card: paid, or failed."""
    with sandbox.store.write():
        session = get_session(sandbox, session_id)
        intent = payments.get_intent(sandbox, session["payment_intent"])
        if kind == ASYNC_SUCCEEDS:
            payments.settle(sandbox, intent, succeeded=True)
            session = {**session, "payment_status": "paid"}
            sandbox.store.save(session)
            sandbox.emit("checkout.session.async_payment_succeeded", session)
        else:
            payments.settle(sandbox, intent, succeeded=False)
            sandbox.store.save(session)
            sandbox.emit("checkout.session.async_payment_failed", session)


def settle_due(sandbox: Processor) -> int:
    """Run the asynchronous settlements whose time has come."""
    rows = (
        sandbox.store.connection()
        .execute(
            "SELECT id, kind, object_id FROM timers WHERE done = 0 AND due_at <= ? ORDER BY due_at",
            (sandbox.now_precise(),),
        )
        .fetchall()
    )
    for row in rows:
        with sandbox.store.write() as db:
            claimed = db.execute(
                "UPDATE timers SET done = 1 WHERE id = ? AND done = 0", (row["id"],)
            ).rowcount
            if claimed:
                settle_async(sandbox, row["kind"], row["object_id"])
    return len(rows)
