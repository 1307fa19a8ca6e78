"""Staff edit the catalog in the admin: billing and the administrator change, others read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pledge.policy.models import AuditEvent
from pledge.shop.models import PRICE_ABOVE_ZERO, Product

from .test_product_validation import form_data


def change_url(product):
    return f"/staff/shop/product/{product.pk}/change/"


def posted(product, **changes):
    data = form_data(
        sku=product.sku,
        name=product.name,
        edition=product.edition,
        summary=product.summary,
        price=str(product.price),
        position=str(product.position),
    )
    data.update(changes)
    return data


def test_a_billing_clerk_changes_a_price_and_the_change_is_audited(
    client, make_product, make_staff
):
    clerk = make_staff("billing_clerk")
    product = make_product("cg-standard", price="49.00")
    client.force_login(clerk)

    response = client.post(change_url(product), posted(product, price="45.00"))

    product.refresh_from_db()
    audit = AuditEvent.objects.get(action="shop.product.change")
    assert (response.status_code, response["Location"]) == (302, "/staff/shop/product/")
    assert product.price == Decimal("45.00")
    assert (audit.actor_id, audit.detail["old"], audit.detail["new"]) == (
        clerk.pk,
        {"price": "49.00"},
        {"price": "45.00"},
    )


def test_a_billing_clerk_adds_a_product_sold_on_one_site(client, policy, make_staff):
    clerk = make_staff("billing_clerk")
    client.force_login(clerk)

    response = client.post(
        "/staff/shop/product/add/",
        form_data(sku="cg-network-5", name="Network Edition", price="299", sites=["claxton"]),
    )

    product = Product.objects.get()
    audit = AuditEvent.objects.get(action="shop.product.add")
    assert response.status_code == 302
    assert (product.sku, product.price, list(product.listings.values_list("site", flat=True))) == (
        "cg-network-5",
        Decimal("299.00"),
        ["claxton"],
    )
    assert (audit.actor_id, audit.detail["sku"]) == (clerk.pk, "cg-network-5")


def test_marketing_may_read_a_product_but_not_change_it(client, make_product, make_staff):
    product = make_product("cg-standard", price="49.00")
    client.force_login(make_staff("marketing"))

    page = client.get(change_url(product))
    response = client.post(change_url(product), posted(product, price="1.00"))

    product.refresh_from_db()
    assert (page.status_code, response.status_code) == (200, 403)
    assert product.price == Decimal("49.00")
    assert AuditEvent.objects.filter(action="shop.product.change").count() == 0


@pytest.mark.parametrize("role", ["customer_service", "marketing", "privacy_officer"])
def test_only_billing_and_the_administrator_add_products(client, policy, make_staff, role):
    client.force_login(make_staff(role))

    response = client.post("/staff/shop/product/add/", form_data())

    assert (response.status_code, Product.objects.count()) == (403, 0)


def test_a_price_of_zero_is_shown_back_with_the_error_and_nothing_is_saved(
    client, make_product, make_staff
):
    product = make_product("cg-standard", price="49.00")
    client.force_login(make_staff("billing_clerk"))

    response = client.post(change_url(product), posted(product, price="0"))

    product.refresh_from_db()
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"price": [PRICE_ABOVE_ZERO]}
    assert response.content.decode().count(PRICE_ABOVE_ZERO) == 1
    assert product.price == Decimal("49.00")
    assert AuditEvent.objects.filter(action="shop.product.change").count() == 0


def test_saving_an_unchanged_product_writes_no_audit_row(client, make_product, make_staff):
    product = make_product("cg-standard")
    client.force_login(make_staff("administrator"))

    response = client.post(change_url(product), posted(product))

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="shop.product.change").count() == 0


def test_a_browsers_line_endings_do_not_count_as_a_change(client, make_product, make_staff):
    product = make_product("cg-standard", description="One place.\n\nNo slips.")
    client.force_login(make_staff("billing_clerk"))

    response = client.post(
        change_url(product), posted(product, description="One place.\r\n\r\nNo slips.")
    )

    product.refresh_from_db()
    assert response.status_code == 302
    assert product.description == "One place.\n\nNo slips."
    assert AuditEvent.objects.filter(action="shop.product.change").count() == 0


def test_no_one_deletes_a_product_orders_will_point_at_it(client, make_product, make_staff):
    product = make_product("cg-standard")
    client.force_login(make_staff("administrator"))

    response = client.post(f"/staff/shop/product/{product.pk}/delete/", {"post": "yes"})

    assert (response.status_code, Product.objects.filter(pk=product.pk).count()) == (403, 1)


def test_the_product_list_shows_price_and_sites(client, make_product, make_staff):
    make_product("cg-network-5", price="299.00", sites=("claxton",))
    client.force_login(make_staff("customer_service"))

    html = client.get("/staff/shop/product/").content.decode()

    assert html.count('<td class="field-price_shown">$299.00 USD</td>') == 1
    assert html.count('<td class="field-sites">Claxton On-line</td>') == 1
