"""The demo catalog: added once through the catalog's action; running again adds nothing."""

from __future__ import annotations

from decimal import Decimal

from pledge.policy.models import AuditEvent
from pledge.shop.catalog import save_product
from pledge.shop.demo import PRODUCTS, seed_products
from pledge.shop.models import Product


def test_seeding_twice_adds_the_catalog_once(policy):
    first = seed_products()
    second = seed_products()

    assert first == [item.sku for item in PRODUCTS]
    assert second == []
    assert Product.objects.count() == len(PRODUCTS)
    assert AuditEvent.objects.filter(action="shop.product.add").count() == len(PRODUCTS)


def test_seeding_again_keeps_what_staff_changed(policy):
    seed_products()
    standard = Product.objects.get(sku="cg-standard")
    standard.price = Decimal("44.00")
    save_product(standard, by=None, changed_fields=["price"])

    seed_products()

    assert Product.objects.get(sku="cg-standard").price == Decimal("44.00")


def test_the_demo_catalog_sells_contactgenie_on_both_sites_and_more_on_claxton(policy):
    seed_products()

    on = {
        key: list(Product.objects.on_sale(key).values_list("sku", flat=True))
        for key in ("contactgenie", "claxton")
    }

    assert on == {
        "contactgenie": [
            "cg-standard",
            "cg-professional",
            "cg-upgrade-standard-professional",
            "cg-upgrade-professional-8",
        ],
        "claxton": [
            "cg-standard",
            "cg-professional",
            "cg-network-5",
            "cg-upgrade-standard-professional",
            "cg-upgrade-professional-8",
        ],
    }
