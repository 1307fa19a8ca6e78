"""Money: an exact amount in one currency. Never a float.

A product's price is a ``Decimal`` and an ISO 4217 code; an order line will copy
both when it is made, so a later change of price leaves past orders as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# The currencies the catalog may price in: ISO code -> (symbol, name). All have two
# minor digits, which is what ``Product.price`` stores.
CURRENCIES: dict[str, tuple[str, str]] = {
    "USD": ("$", "US dollars"),
    "CAD": ("CA$", "Canadian dollars"),
    "EUR": ("€", "euros"),
    "GBP": ("£", "pounds sterling"),
}
DEFAULT_CURRENCY = "USD"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Money:
    """An amount and its currency, shown as the buyer reads it: ``$1,299.00``."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"money is a Decimal, not {type(self.amount).__name__}")
        if self.currency not in CURRENCIES:
            raise ValueError(f"unknown currency {self.currency!r}")

    @property
    def symbol(self) -> str:
        return CURRENCIES[self.currency][0]

    @property
    def currency_name(self) -> str:
        return CURRENCIES[self.currency][1]

    def __str__(self) -> str:
        return f"{self.symbol}{self.amount.quantize(CENT):,}"
