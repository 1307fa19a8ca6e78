"""A product's price is more than zero, in cents; the staff form says what is wrong in words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from pledge.policy.models import AuditEvent
from pledge.shop.catalog import save_product
from pledge.shop.forms import ProductForm
from pledge.shop.models import PRICE_ABOVE_ZERO, Product


def form_data(**changes):
    data = {
        "sku": "cg-standard",
        "name": "ContactGenie Standard",
        "kind": "edition",
        "edition": "Standard",
        "upgrades_from": "",
        "summary": "Every contact in one place.",
        "description": "",
        "price": "49.00",
        "currency": "USD",
        "sites": ["contactgenie", "claxton"],
        "active": "on",
        "position": "10",
    }
    data.update(changes)
    return data


def test_a_good_product_form_is_valid(policy):
    form = ProductForm(data=form_data())

    assert (form.is_valid(), form.errors) == (True, {})


@pytest.mark.parametrize(
    ("price", "error"),
    [
        ("0", PRICE_ABOVE_ZERO),
        ("0.00", PRICE_ABOVE_ZERO),
        ("-5", PRICE_ABOVE_ZERO),
        ("", "This field is required."),
        ("forty-nine", "Enter the price as a number, such as 49.00."),
        ("49.999", "A price has at most two decimal places (cents)."),
        ("1234567.00", "A price is at most 999999.99."),
    ],
)
def test_a_bad_price_gets_a_clear_error(policy, price, error):
    form = ProductForm(data=form_data(price=price))

    assert (form.is_valid(), form.errors) == (False, {"price": [error]})


def test_an_unknown_currency_is_refused(policy):
    form = ProductForm(data=form_data(currency="XYZ"))

    assert form.errors == {
        "currency": ["Select a valid choice. XYZ is not one of the available choices."]
    }


def test_a_product_is_sold_on_at_least_one_declared_site(policy):
    none = ProductForm(data=form_data(sites=[]))
    unknown = ProductForm(data=form_data(sites=["elsewhere"]))

    assert none.errors == {"sites": ["Choose at least one site to sell the product on."]}
    assert unknown.errors == {
        "sites": ["Select a valid choice. elsewhere is not one of the available choices."]
    }


def test_an_upgrade_must_name_an_edition_and_an_edition_must_not(make_product):
    standard = make_product("cg-standard")
    upgrade = make_product("cg-upgrade-std-pro", upgrades_from=standard)

    no_edition = ProductForm(data=form_data(sku="cg-up", kind="upgrade"))
    from_upgrade = ProductForm(
        data=form_data(sku="cg-up", kind="upgrade", upgrades_from=upgrade.pk)
    )
    edition_from = ProductForm(data=form_data(sku="cg-pro", upgrades_from=standard.pk))

    assert no_edition.errors == {
        "upgrades_from": ["An upgrade names the edition it upgrades from."]
    }
    assert from_upgrade.errors == {
        "upgrades_from": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert edition_from.errors == {
        "upgrades_from": ["Only an upgrade upgrades from an edition; leave this empty."]
    }


def test_the_database_refuses_a_price_of_zero_that_skipped_the_form(policy):
    product = Product(sku="cg-free", name="Free", edition="Standard", summary="-", price=Decimal(0))

    with pytest.raises(IntegrityError):
        save_product(product, by=None, sites=["contactgenie"])

    assert AuditEvent.objects.filter(action="shop.product.add").count() == 0


def test_a_product_checked_outside_a_form_cannot_upgrade_from_an_upgrade(make_product):
    standard = make_product("cg-standard")
    upgrade = make_product("cg-upgrade-std-pro", upgrades_from=standard)
    product = Product(
        sku="cg-up-up",
        name="Upgrade of an upgrade",
        kind=Product.Kind.UPGRADE,
        edition="Professional",
        summary="-",
        price=Decimal("9.00"),
        upgrades_from=upgrade,
    )

    with pytest.raises(ValidationError) as refused:
        product.full_clean()

    assert refused.value.message_dict == {
        "upgrades_from": ["An upgrade is from an edition, not from another upgrade."]
    }


def test_an_edition_with_upgrades_sold_for_it_stays_an_edition(make_product):
    standard = make_product("cg-standard")
    make_product("cg-upgrade-std-pro", upgrades_from=standard)
    professional = make_product("cg-professional")

    form = ProductForm(
        data=form_data(sku="cg-standard", kind="upgrade", upgrades_from=professional.pk),
        instance=standard,
    )

    assert form.errors == {"kind": ["Upgrades are sold for this edition, so it stays an edition."]}
