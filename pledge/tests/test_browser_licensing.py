"""End to end in a real browser: an owner signs in, sees their product and copies its key."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from pledge.licensing.ownership import current_key, register_owner, reissue_key
from pledge.shop.catalog import save_product
from pledge.shop.models import Product

from .conftest import screenshot

PASSWORD = "correct horse battery staple"  # make_person's


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_an_owner_copies_their_key(page, live_server, settings, make_person):
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    base = f"http://contactgenie.localhost:{settings.PUBLIC_PORT}"
    ada = make_person("ada@example.com", name="Ada Lovelace")
    product = Product(
        sku="cg-professional",
        name="ContactGenie Professional",
        edition="Professional",
        summary="Standard, plus mail merge.",
        price="99.00",
    )
    save_product(product, by=None, sites=["contactgenie"])
    registration = register_owner(ada, product, "ORD-2026-0042", line_ref="1")
    reissue_key(registration, by=None, reason="lost")
    key = current_key(registration)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)

    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill("ada@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/account/")
    page.get_by_role("button", name="Copy key").click()
    page.get_by_role("button", name="Copied").wait_for()
    screenshot(page, "licensing-account-products")

    assert page.evaluate("navigator.clipboard.readText()") == key.key
    assert page.locator("#your-products h3").all_inner_texts() == [
        "ContactGenie Professional\nActive"
    ]
    assert page.console_errors == []
