"""Card numbers as the hosted page checks them, and the documented test cards.

Only the brand, the last four digits and the expiry leave this module: the
number and the CVC are never stored or logged (the charge carries what
Stripe's does, ``payment_method_details.card``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

# What each test number does; any other valid number is refused as Stripe's
# test mode refuses real cards.
SUCCEEDS = "succeeds"
DECLINED = "declined"
INSUFFICIENT_FUNDS = "insufficient_funds"
ASYNC_SUCCEEDS = "async_succeeds"
ASYNC_FAILS = "async_fails"


@dataclass(frozen=True)
class DocumentedCard:
    number: str
    outcome: str
    description: str

    @property
    def spaced(self) -> str:
        return " ".join(self.number[i : i + 4] for i in range(0, len(self.number), 4))


TEST_CARDS = (
    DocumentedCard("4242424242424242", SUCCEEDS, "Visa: the payment succeeds"),
    DocumentedCard("5555555555554444", SUCCEEDS, "Mastercard: the payment succeeds"),
    DocumentedCard("378282246310005", SUCCEEDS, "American Express (4-digit CVC): succeeds"),
    DocumentedCard("4000000000000002", DECLINED, "declined (generic_decline)"),
    DocumentedCard("4000000000009995", INSUFFICIENT_FUNDS, "declined (insufficient_funds)"),
    DocumentedCard(
        "4000000000000077",
        ASYNC_SUCCEEDS,
        "completes unpaid, then succeeds a few seconds later (async_payment_succeeded)",
    ),
    DocumentedCard(
        "4000000000000119",
        ASYNC_FAILS,
        "completes unpaid, then fails a few seconds later (async_payment_failed)",
    ),
)
BY_NUMBER = {card.number: card for card in TEST_CARDS}


@dataclass(frozen=True)
class Card:
    """A card as typed on the page, checked; holds the number only while paying."""

    number: str
    exp_month: int
    exp_year: int
    name: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def brand(self) -> str:
        return brand(self.number)

    @property
    def outcome(self) -> str | None:
        test = BY_NUMBER.get(self.number)
        return test.outcome if test else None

    def details(self) -> dict[str, object]:
        """``payment_method_details.card`` as Stripe shows it: no number, no CVC."""
        return {
            "brand": self.brand,
            "checks": {
                "cvc_check": "pass",
                "address_line1_check": None,
                "address_postal_code_check": None,
            },
            "country": "US",
            "exp_month": self.exp_month,
            "exp_year": self.exp_year,
            "funding": "credit",
            "last4": self.last4,
            "network": self.brand,
        }


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"34", "37"}:
        return "amex"
    if 51 <= int(number[:2]) <= 55 or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number.startswith(("6011", "65")):
        return "discover"
    return "unknown"


def read_card(
    number: str, expiry: str, cvc: str, name: str, today: datetime | None = None
) -> tuple[Card | None, dict[str, str]]:
    """The card from the page's fields, or the message for each field that is wrong."""
    today = today or datetime.now(UTC)
    errors: dict[str, str] = {}
    digits = re.sub(r"[\s-]", "", number)
    if not digits:
        errors["number"] = "Enter the card number."
    elif not digits.isdigit():
        errors["number"] = "The card number can only hold digits and spaces."
    elif not 13 <= len(digits) <= 19:
        errors["number"] = "Your card number is incomplete."
    elif not luhn_ok(digits):
        errors["number"] = "Your card number is invalid."

    month = year = 0
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", expiry)
    if not expiry.strip():
        errors["expiry"] = "Enter the expiry date as MM/YY."
    elif not match:
        errors["expiry"] = "Write the expiry date as MM/YY, for example 04/29."
    else:
        month, year = int(match.group(1)), int(match.group(2))
        year += 2000 if year < 100 else 0
        if not 1 <= month <= 12:
            errors["expiry"] = "Your card's expiration month is invalid."
        elif year < today.year:
            errors["expiry"] = "Your card's expiration year is in the past."
        elif (year, month) < (today.year, today.month):
            errors["expiry"] = "Your card's expiration date is in the past."
        elif year > today.year + 50:
            errors["expiry"] = "Your card's expiration year is invalid."

    wanted = 4 if "number" not in errors and digits and brand(digits) == "amex" else 3
    if not cvc.strip():
        errors["cvc"] = "Enter the card's security code (CVC)."
    elif not re.fullmatch(r"\d{3,4}", cvc.strip()):
        errors["cvc"] = "Your card's security code is 3 or 4 digits."
    elif len(cvc.strip()) != wanted:
        errors["cvc"] = f"Your card's security code is {wanted} digits."

    if not name.strip():
        errors["name"] = "Enter the name on the card."
    elif len(name.strip()) > 100:
        errors["name"] = "The name on the card is at most 100 characters."

    if errors:
        return None, errors
    return Card(digits, month, year, name.strip()), {}
