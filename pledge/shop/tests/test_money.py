"""Money is exact and reads as the buyer expects: symbol, thousands, cents."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pledge.shop.money import Money


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("49", "USD", "$49.00"),
        ("1299.5", "USD", "$1,299.50"),
        ("0.99", "USD", "$0.99"),
        ("19.90", "EUR", "€19.90"),
        ("39.00", "GBP", "£39.00"),
        ("65.00", "CAD", "CA$65.00"),
    ],
)
def test_money_shows_symbol_thousands_and_cents(amount, currency, shown):
    assert str(Money(Decimal(amount), currency)) == shown


def test_money_refuses_a_float():
    with pytest.raises(TypeError, match="money is a Decimal, not float"):
        Money(49.0, "USD")


def test_money_refuses_an_unknown_currency():
    with pytest.raises(ValueError, match="unknown currency 'XYZ'"):
        Money(Decimal("49.00"), "XYZ")


def test_a_product_price_is_a_decimal_after_a_round_trip(make_product):
    product = make_product("cg-standard", price="49.90")

    product.refresh_from_db()

    assert (type(product.price), product.money) == (Decimal, Money(Decimal("49.90"), "USD"))
