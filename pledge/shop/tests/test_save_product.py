"""save_product: the one way a product is added or changed, with its audit row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pledge.policy.models import AuditEvent
from pledge.shop.catalog import save_product
from pledge.shop.models import Listing, Product


def test_adding_a_product_lists_it_on_its_sites_and_audits_every_field(policy, make_person):
    clerk = make_person("billing@claxton.localhost")
    product = Product(
        sku="cg-standard", name="ContactGenie Standard", edition="Standard", summary="One place."
    )
    product.price = Decimal("49.00")

    changed = save_product(product, by=clerk, sites=["claxton", "contactgenie"])

    audit = AuditEvent.objects.get(action="shop.product.add")
    assert sorted(Listing.objects.values_list("site", flat=True)) == ["claxton", "contactgenie"]
    assert changed[-1] == "sites"
    assert (audit.actor_id, audit.subject_id, audit.categories) == (clerk.pk, None, [])
    assert audit.detail["new"]["price"] == "49.00"
    assert audit.detail["new"]["sites"] == ["contactgenie", "claxton"]


def test_a_change_saves_only_what_changed_and_audits_old_and_new(make_product, make_person):
    clerk = make_person("billing@claxton.localhost")
    product = make_product("cg-standard", price="49.00", name="ContactGenie Standard")
    product.price = Decimal("45.00")
    product.name = "ContactGenie Standard"  # named as changed, but the same

    changed = save_product(product, by=clerk, changed_fields=["price", "name"])

    product.refresh_from_db()
    audit = AuditEvent.objects.get(action="shop.product.change")
    assert (changed, product.price) == (["price"], Decimal("45.00"))
    assert (audit.actor_id, audit.reason) == (clerk.pk, "changed price of cg-standard")
    assert audit.detail == {
        "product": product.pk,
        "sku": "cg-standard",
        "old": {"price": "49.00"},
        "new": {"price": "45.00"},
    }


def test_moving_a_product_between_sites_is_audited(make_product):
    product = make_product("cg-network-5", sites=("contactgenie", "claxton"))

    changed = save_product(product, by=None, sites=["claxton"])

    audit = AuditEvent.objects.get(action="shop.product.change")
    assert changed == ["sites"]
    assert list(product.listings.values_list("site", flat=True)) == ["claxton"]
    assert (audit.detail["old"], audit.detail["new"]) == (
        {"sites": ["claxton", "contactgenie"]},
        {"sites": ["claxton"]},
    )


def test_a_save_that_changes_nothing_writes_nothing(make_product):
    product = make_product("cg-standard")

    changed = save_product(
        product, by=None, changed_fields=["price"], sites=["contactgenie", "claxton"]
    )

    assert (changed, AuditEvent.objects.filter(action="shop.product.change").count()) == ([], 0)


def test_a_site_the_declaration_does_not_name_is_refused(make_product):
    product = make_product("cg-standard")

    with pytest.raises(ValidationError) as refused:
        save_product(product, by=None, sites=["contactgenie", "elsewhere"])

    assert refused.value.message_dict == {"sites": ["Not sites of the declaration: elsewhere."]}
    assert AuditEvent.objects.filter(action="shop.product.change").count() == 0
