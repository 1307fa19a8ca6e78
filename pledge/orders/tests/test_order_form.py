"""The order form (C3) on both sites: what it asks, prefill, stamp, errors, the redirect."""

from __future__ import annotations

import pytest

from pledge.orders.models import Order
from pledge.policy.models import PolicyVersion

from .conftest import ADDRESS

pytestmark = pytest.mark.django_db

HOSTS = {"contactgenie": "contactgenie.localhost", "claxton": "claxton.localhost"}


@pytest.mark.parametrize("site", HOSTS)
def test_the_form_asks_name_email_and_address_and_nothing_about_the_card(client, product, site):
    response = client.get("/orders/buy/cg-pro/", HTTP_HOST=HOSTS[site])

    form = response.context["form"]
    assert [f.name for f in form.visible_fields()] == ["name", "email", "shipping_address"]
    html = response.content.decode().lower()
    for card_word in ("card number", "cvc", 'name="number"', 'name="expiry"'):
        assert card_word not in html


@pytest.mark.parametrize("site", HOSTS)
def test_a_guest_order_is_stamped_and_sent_to_the_processor(client, product, wire, site):
    response = client.post(
        "/orders/buy/cg-pro/",
        {"name": "Ada Buyer", "email": "ada.buyer@example.com", "shipping_address": ADDRESS},
        HTTP_HOST=HOSTS[site],
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == wire.sessions[order.checkout_session_id]["url"]
    assert (order.site, order.collection_point) == (site, "order")
    assert order.collected_under == PolicyVersion.objects.current()
    assert (
        wire.requests[0].form["success_url"] == f"http://{HOSTS[site]}/orders/{order.token}/?paid=1"
    )


def test_a_signed_in_buyer_is_prefilled_and_keeps_the_accounts_address(
    client, product, wire, make_person
):
    person = make_person("ada@example.com", name="Ada Lovelace")
    client.force_login(person)

    shown = client.get("/orders/buy/cg-pro/")
    assert (shown.context["form"]["name"].value(), shown.context["form"]["email"].value()) == (
        "Ada Lovelace",
        "ada@example.com",
    )

    client.post(
        "/orders/buy/cg-pro/",
        {"name": "Ada Lovelace", "email": "elsewhere@example.com", "shipping_address": ADDRESS},
    )

    order = Order.objects.get()
    assert (order.person, order.email, order.claimed_at is not None) == (
        person,
        "ada@example.com",
        True,
    )


def test_bad_input_is_shown_again_with_what_was_typed(client, product, wire):
    response = client.post(
        "/orders/buy/cg-pro/", {"name": "Ada", "email": "not-an-address", "shipping_address": "x"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["Enter a valid email address."],
        "shipping_address": ["Give the full address: street, city, postal code, country."],
    }
    assert 'value="Ada"' in response.content.decode()
    assert Order.objects.count() == 0 and wire.requests == []


def test_the_product_page_has_the_buy_button(client, product):
    response = client.get("/products/cg-pro/")

    assert '<a class="button" href="/orders/buy/cg-pro/">Buy</a>' in response.content.decode()


def test_the_status_page_says_pending_and_refreshes_until_the_event_arrives(client, make_order):
    order = make_order()

    response = client.get(f"/orders/{order.token}/?paid=1")

    assert response["Refresh"] == "3"
    assert "Waiting for the payment processor" in response.content.decode()
