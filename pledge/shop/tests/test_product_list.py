"""/products/: the active products the current site sells, editions first, priced."""

from __future__ import annotations

from django.urls import reverse

from .conftest import CLAXTON, CONTACTGENIE


def listed(response):
    return (
        [p.sku for p in response.context["editions"]],
        [p.sku for p in response.context["upgrades"]],
    )


def test_each_site_lists_only_its_own_active_products(client, make_product):
    make_product("cg-standard", sites=("contactgenie", "claxton"), position=1)
    make_product("cg-network-5", sites=("claxton",), position=2)
    make_product("cg-retired", active=False)

    contactgenie = client.get(reverse("shop:products"), **CONTACTGENIE)
    claxton = client.get(reverse("shop:products"), **CLAXTON)

    assert listed(contactgenie) == (["cg-standard"], [])
    assert listed(claxton) == (["cg-standard", "cg-network-5"], [])


def test_editions_come_before_upgrades_each_in_position_order(client, make_product):
    professional = make_product("cg-professional", position=20)
    standard = make_product("cg-standard", position=10)
    make_product("cg-upgrade-pro-8", upgrades_from=professional, position=5)
    make_product("cg-upgrade-std-pro", upgrades_from=standard, position=1)

    response = client.get(reverse("shop:products"), **CONTACTGENIE)

    html = response.content.decode()
    assert listed(response) == (
        ["cg-standard", "cg-professional"],
        ["cg-upgrade-std-pro", "cg-upgrade-pro-8"],
    )
    assert html.index('id="shop-editions"') < html.index('id="shop-upgrades"')


def test_prices_show_the_currency_symbol_and_cents(client, make_product):
    make_product("cg-standard", price="49")
    make_product("cg-network-5", price="1299.5")

    html = client.get(reverse("shop:products"), **CONTACTGENIE).content.decode()

    assert html.count('<span class="shop-price">$49.00</span>') == 1
    assert html.count('<span class="shop-price">$1,299.50</span>') == 1


def test_an_upgrade_says_which_edition_it_is_for(client, make_product):
    standard = make_product("cg-standard", name="ContactGenie Standard")
    make_product("cg-upgrade-std-pro", upgrades_from=standard, price="39.00")

    html = client.get(reverse("shop:products"), **CONTACTGENIE).content.decode()

    assert html.count('<p class="shop-for">For owners of ContactGenie Standard</p>') == 1


def test_a_site_with_nothing_on_sale_says_so(client, make_product):
    make_product("cg-network-5", sites=("claxton",))

    response = client.get(reverse("shop:products"), **CONTACTGENIE)

    assert listed(response) == ([], [])
    assert response.content.decode().count("Nothing is on sale on this site just now.") == 1


def test_every_page_links_to_the_products(client, policy):
    html = client.get(reverse("policy:statement"), **CLAXTON).content.decode()

    assert html.count(f'<a href="{reverse("shop:products")}">Products</a>') == 1
