"""/products/<sku>/: one product of the current site; any other is not found."""

from __future__ import annotations

from django.urls import reverse

from .conftest import CLAXTON, CONTACTGENIE


def test_a_product_page_shows_name_price_and_description_paragraphs(client, make_product):
    make_product(
        "cg-standard",
        name="ContactGenie Standard",
        price="49.00",
        description="Every contact in one place.\n\nFollow-ups that never slip.",
    )

    response = client.get(reverse("shop:product", args=["cg-standard"]), **CONTACTGENIE)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1>ContactGenie Standard</h1>") == 1
    assert html.count('<p class="shop-price shop-price-large">$49.00</p>') == 1
    assert (
        html.count("<p>Every contact in one place.</p>\n\n<p>Follow-ups that never slip.</p>") == 1
    )


def test_a_product_of_the_other_site_is_not_found(client, make_product):
    make_product("cg-network-5", sites=("claxton",))

    elsewhere = client.get(reverse("shop:product", args=["cg-network-5"]), **CONTACTGENIE)
    at_home = client.get(reverse("shop:product", args=["cg-network-5"]), **CLAXTON)

    assert (elsewhere.status_code, at_home.status_code) == (404, 200)


def test_an_inactive_product_is_not_found(client, make_product):
    make_product("cg-retired", active=False)

    response = client.get(reverse("shop:product", args=["cg-retired"]), **CONTACTGENIE)

    assert response.status_code == 404


def test_an_edition_lists_the_upgrades_from_it_sold_on_this_site(client, make_product):
    standard = make_product("cg-standard")
    make_product("cg-upgrade-std-pro", upgrades_from=standard)
    make_product("cg-upgrade-std-net", upgrades_from=standard, sites=("claxton",))

    response = client.get(reverse("shop:product", args=["cg-standard"]), **CONTACTGENIE)

    assert [p.sku for p in response.context["upgrades"]] == ["cg-upgrade-std-pro"]


def test_an_upgrade_names_the_edition_its_buyer_owns(client, make_product):
    standard = make_product("cg-standard", name="ContactGenie Standard")
    make_product("cg-upgrade-std-pro", upgrades_from=standard)

    html = client.get(
        reverse("shop:product", args=["cg-upgrade-std-pro"]), **CONTACTGENIE
    ).content.decode()

    assert html.count("Price in US dollars (USD), for owners of ContactGenie Standard.") == 1
