"""The account page shows the person's lists, with a button to leave or to join each."""

from __future__ import annotations

import re

from django.urls import reverse

from pledge.mail import lists
from pledge.policy.consent import record_consent
from pledge.shop.models import Product


def _lists_section(response):
    page = response.content.decode()
    return page[page.index('id="mailing-lists"') :]


def _buttons(section):
    return re.findall(r'<button class="button[^"]*" type="submit">([^<]+)<span', section)


def test_a_subscriber_sees_the_list_with_an_unsubscribe_button(client, subscribed):
    client.force_login(subscribed())

    section = _lists_section(client.get(reverse("people:account")))

    assert _buttons(section) == ["Unsubscribe"]
    assert section.count('<span class="badge badge-current">Subscribed</span>') == 1
    assert 'value="news"' in section


def test_a_person_on_no_list_may_subscribe_to_the_news_only(client, make_person):
    client.force_login(make_person())

    section = _lists_section(client.get(reverse("people:account")))

    assert _buttons(section) == ["Subscribe"]
    assert section.count("Subscribed</span>") == 0
    # Product updates are shown with who may join them, and no button.
    assert "Product updates are for registered owners of a product" in section


def test_the_page_costs_the_same_queries_on_one_list_or_three(
    client, monkeypatch, make_person, subscribed, django_assert_num_queries
):
    # Session, person, standing consents, the policy in force (lists), the notice,
    # the products the person owns (registrations), their keys (the products card),
    # their orders (the orders card).
    client.force_login(subscribed())
    with django_assert_num_queries(8):
        one = client.get(reverse("people:account"))
    person = subscribed("owner@example.com")
    skus = ["contactgenie-pro", "contactgenie-net"]
    monkeypatch.setattr(lists, "owned_products", lambda p: frozenset(skus))
    for sku in skus:
        record_consent(
            person,
            "product_updates",
            granted=True,
            via="link",
            collection_point="mailing_lists",
            scope=sku,
        )
    client.force_login(person)

    # The products' names, in one query for all of them (ownership is patched here).
    with django_assert_num_queries(8):
        three = client.get(reverse("people:account"))

    assert _buttons(_lists_section(one)) == ["Unsubscribe"]
    assert _buttons(_lists_section(three)) == ["Unsubscribe", "Unsubscribe", "Unsubscribe"]


def test_an_owner_sees_the_products_list_by_name(client, monkeypatch, make_person):
    Product.objects.create(
        sku="contactgenie-pro",
        name="ContactGenie Professional",
        edition="Professional",
        summary="For a growing business.",
        price="149.00",
    )
    monkeypatch.setattr(lists, "owned_products", lambda p: frozenset({"contactgenie-pro"}))
    client.force_login(make_person())

    section = _lists_section(client.get(reverse("people:account")))

    assert _buttons(section) == ["Subscribe", "Subscribe"]
    assert "<strong>Product updates: ContactGenie Professional</strong>" in section
