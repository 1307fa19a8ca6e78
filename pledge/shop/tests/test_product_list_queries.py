"""The product list is a hot path: its query count does not grow with the catalog."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .conftest import CONTACTGENIE


@pytest.mark.parametrize("count", [1, 3])
def test_the_product_list_costs_the_same_queries_for_1_and_3_products(
    client, make_product, django_assert_num_queries, count
):
    editions = [make_product(f"cg-edition-{n}") for n in range(count)]
    for n, edition in enumerate(editions):
        make_product(f"cg-upgrade-{n}", upgrades_from=edition)

    # The policy notice's version, and the products with the editions they upgrade.
    with django_assert_num_queries(2):
        response = client.get(reverse("shop:products"), **CONTACTGENIE)

    assert len(response.context["editions"]) == count


def test_the_home_pages_editions_cost_the_same_queries_for_1_and_3(client, make_product):
    # Other parts of the home page have queries of their own: compare, do not pin.
    make_product("cg-edition-0")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("site:home"), **CONTACTGENIE)
    make_product("cg-edition-1")
    make_product("cg-edition-2")

    with CaptureQueriesContext(connection) as three:
        response = client.get(reverse("site:home"), **CONTACTGENIE)

    assert len(response.context["editions"]) == 3
    assert len(three) == len(one)
