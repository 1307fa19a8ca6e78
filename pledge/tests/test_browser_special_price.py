"""In a real browser: the demo's product page shows its special price and until when."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from pledge.orders.demo import seed_special_prices
from pledge.shop.demo import seed_products

from .conftest import screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_demo_offer_strikes_the_regular_price(page, live_server, settings, policy):
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    seed_products()
    offer = seed_special_prices()

    page.goto(f"http://contactgenie.localhost:{settings.PUBLIC_PORT}/products/cg-professional/")
    screenshot(page, "shop-product-special-price")

    price = page.locator(".shop-buy .shop-price")
    assert price.inner_text() == "$79.00 $99.00"
    assert page.locator(".shop-buy del").inner_text() == "$99.00"
    decoration = page.locator(".shop-buy del").evaluate(
        "e => getComputedStyle(e).textDecorationLine"
    )
    assert decoration == "line-through"
    assert page.locator(".shop-offer").inner_text() == (
        f"Spring offer until {offer.promotion.ends}"
    )
    assert page.console_errors == []
