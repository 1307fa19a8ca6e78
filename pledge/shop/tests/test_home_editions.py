"""The home page of each site shows the editions it sells, as cards with a price."""

from __future__ import annotations

from django.urls import reverse

from .conftest import CLAXTON, CONTACTGENIE


def test_each_home_page_shows_its_own_editions_and_no_upgrades(client, make_product):
    standard = make_product("cg-standard", position=1)
    make_product("cg-network-5", sites=("claxton",), position=2)
    make_product("cg-upgrade-std-pro", upgrades_from=standard)

    contactgenie = client.get(reverse("site:home"), **CONTACTGENIE)
    claxton = client.get(reverse("site:home"), **CLAXTON)

    assert [p.sku for p in contactgenie.context["editions"]] == ["cg-standard"]
    assert [p.sku for p in claxton.context["editions"]] == ["cg-standard", "cg-network-5"]


def test_an_edition_card_has_its_price_and_a_details_link(client, make_product):
    make_product("cg-professional", name="ContactGenie Professional", price="99.00")

    html = client.get(reverse("site:home"), **CONTACTGENIE).content.decode()

    url = reverse("shop:product", args=["cg-professional"])
    assert html.count('<span class="shop-price">$99.00</span>') == 1
    assert (
        html.count(
            f'<a class="button button-quiet" href="{url}">Details'
            '<span class="shop-sr"> of ContactGenie Professional</span></a>'
        )
        == 1
    )
