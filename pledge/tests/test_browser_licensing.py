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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_a_billing_clerk_revokes_a_registration(
    page, live_server, settings, make_person
):
    from pledge.policy.models import AuditEvent
    from pledge.staff.roles import assign_role, sync_roles

    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    base = f"http://127.0.0.1:{settings.PUBLIC_PORT}"
    product = Product(
        sku="cg-standard",
        name="ContactGenie Standard",
        edition="Standard",
        summary="Every contact in one place.",
        price="49.00",
    )
    save_product(product, by=None, sites=["contactgenie"])
    registration = register_owner(
        make_person("alan@example.com", name="Alan Turing"), product, "ORD-7"
    )
    sync_roles()
    clerk = make_person("billing@claxton.localhost", name="Bea Billing", point="staff")
    assign_role(clerk, "billing_clerk", by=None)
    missing: list[str] = []
    page.context.on("response", lambda r: r.status == 404 and missing.append(r.url))

    page.goto(
        f"{base}/account/sign-in/?next=/staff/licensing/registration/{registration.pk}/change/"
    )
    page.get_by_label("Email address").fill("billing@claxton.localhost")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Revoke registration").wait_for()
    screenshot(page, "licensing-admin-registration")
    page.get_by_label("Why", exact=True).fill("refund of order ORD-7")
    page.get_by_role("button", name="Revoke registration").click()
    page.locator(".messagelist").wait_for()
    screenshot(page, "licensing-admin-revoked")

    registration.refresh_from_db()
    assert (registration.status, registration.revoked_reason) == (
        "revoked",
        "refund of order ORD-7",
    )
    assert AuditEvent.objects.get(action="licensing.revoke").actor_id == clerk.pk
    assert page.get_by_role("button", name="Revoke registration").count() == 0
    # Every resource of the pages loaded. The console's one 404 is chromium's own
    # request for /favicon.ico: the staff admin's pages link no icon.
    assert missing == []
    assert set(page.console_errors) <= {
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    }
