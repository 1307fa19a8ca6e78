"""The hosted card page, ``/pay/<session id>``: what the buyer sees instead of the vendor.

It shows the vendor's line items and total, checks the card (Luhn, expiry
not past, CVC length, a name) with a message beside each wrong field, and
pays through ``checkout.pay_session``. A success redirects to the vendor's
``success_url`` with ``{CHECKOUT_SESSION_ID}`` filled in; a decline says so
and leaves the session open. The card number and CVC are not stored and not
logged; a form with errors shows the number back to the same browser but
never the CVC.
"""

from __future__ import annotations

from typing import Any

from sandbox_processor import checkout
from sandbox_processor.cards import TEST_CARDS, read_card
from sandbox_processor.errors import ApiError
from sandbox_processor.pages import escape, message_page, money, render
from sandbox_processor.processor import Processor
from sandbox_processor.web import Request, Response, html_response, redirect

FIELDS = ("number", "expiry", "cvc", "name")


def success_location(session: dict[str, Any]) -> str:
    return str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session["id"])


def handle(sandbox: Processor, request: Request, session_id: str) -> Response:
    try:
        session = checkout.open_session(sandbox, session_id)
    except ApiError:
        return html_response(
            404, message_page("Payment page not found", "There is no payment with this address.")
        )
    except checkout.SessionClosed as closed:
        return closed_page(closed.session)
    if request.method == "GET":
        return html_response(200, card_page(sandbox, session))
    if request.method != "POST":
        return html_response(405, message_page("Not allowed", "Use the payment form."))
    return pay(sandbox, session, request.form())


def pay(sandbox: Processor, session: dict[str, Any], form: dict[str, str]) -> Response:
    values = {name: form.get(name, "") for name in (*FIELDS, "email")}
    card, errors = read_card(values["number"], values["expiry"], values["cvc"], values["name"])
    email = None
    if not session["customer_email"]:
        email = values["email"].strip()
        if not email:
            errors["email"] = "Enter your email address for the receipt."
        elif not checkout.EMAIL.match(email):
            errors["email"] = "Your email address is incomplete."
    if errors or card is None:
        return html_response(400, card_page(sandbox, session, values, errors))
    try:
        session, intent = checkout.pay_session(sandbox, session["id"], card, email)
    except checkout.SessionClosed as closed:
        return closed_page(closed.session)
    if session["status"] != "complete":
        message = intent["last_payment_error"]["message"]
        return html_response(402, card_page(sandbox, session, values, {}, alert=message))
    return redirect(success_location(session))


def closed_page(session: dict[str, Any]) -> Response:
    if session["status"] == "complete":
        return html_response(
            200,
            message_page(
                "Already paid",
                "This checkout has been completed. Nothing more to pay.",
                success_location(session),
                "Return to the shop",
            ),
        )
    return html_response(
        410,
        message_page(
            "This checkout has expired",
            "The time to pay for this order is over, and no payment was taken. "
            "Return to the shop to start again.",
            session["cancel_url"],
            "Return to the shop",
        ),
    )


def card_page(
    sandbox: Processor,
    session: dict[str, Any],
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    alert: str = "",
) -> str:
    values = values or {}
    errors = errors or {}
    currency = session["currency"]
    total = money(session["amount_total"], currency)
    items = sandbox.store.private(session["id"]).get("line_items", [])
    rows = "\n".join(
        f"        <tr><td>{escape(item['description'])}"
        f'<div class="qty">Qty {item["quantity"]} &times; {money(item["price"]["unit_amount"], currency)}</div></td>'
        f'<td class="amount">{money(item["amount_total"], currency)}</td></tr>'
        for item in items
    )
    if errors and not alert:
        alert = "Please correct the fields marked below."
    cancel = session["cancel_url"]
    fields: dict[str, str] = {}
    for name in (*FIELDS, "email"):
        message = errors.get(name)
        fields[f"{name}_class"] = " invalid" if message else ""
        fields[f"{name}_error"] = (
            f'        <p class="error" id="{name}-error">{escape(message)}</p>' if message else ""
        )
    email_field = ""
    if not session["customer_email"]:
        email_field = (
            f'      <div class="field{fields["email_class"]}">\n'
            '        <label for="email">Email</label>\n'
            '        <input id="email" name="email" type="email" autocomplete="email" '
            f'value="{escape(values.get("email", ""))}">\n{fields["email_error"]}\n      </div>'
        )
    test_cards = "\n".join(
        f"        <tr><td><code>{card.spaced}</code></td><td>{escape(card.description)}</td></tr>"
        for card in TEST_CARDS
    )
    return render(
        "pay.html",
        business=escape(sandbox.config.business_name),
        session_id=escape(session["id"]),
        total=total,
        rows=rows,
        back_link=f'<a class="back" href="{escape(cancel)}">&larr; Back</a>' if cancel else "",
        cancel_link=f'<a class="cancel" href="{escape(cancel)}">Cancel and return to the shop</a>'
        if cancel
        else "",
        alert=f'    <div class="alert" role="alert">{escape(alert)}</div>' if alert else "",
        email_field=email_field,
        number=escape(values.get("number", "")),
        expiry=escape(values.get("expiry", "")),
        name=escape(values.get("name", "")),
        test_cards=test_cards,
        **{key: value for key, value in fields.items() if not key.startswith("email")},
    )
