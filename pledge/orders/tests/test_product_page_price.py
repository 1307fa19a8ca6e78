"""The product page shows the special price the visitor would get now, and until when."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pledge.campaigns.promotion import stated_instant
from pledge.orders.demo import LABEL, PRICE, SKU, WINDOW, seed_special_prices
from pledge.orders.models import SpecialPrice
from pledge.policy.consent import record_consent
from pledge.shop.demo import seed_products

pytestmark = pytest.mark.django_db

PAGE = "/products/cg-pro/"
HOST = {"HTTP_HOST": "contactgenie.localhost"}
REGULAR = '<p class="shop-price shop-price-large">$149.00</p>'


def offer(product, *, starts, ends, audience="", price="99.00", label="Winter offer"):
    return SpecialPrice.objects.create(
        product=product,
        label=label,
        price=Decimal(price),
        starts_at=starts,
        ends_at=ends,
        audience=audience,
    )


def struck(price):
    return (
        f'<p class="shop-price shop-price-large">{price} '
        '<del class="shop-price-regular">$149.00</del></p>'
    )


def test_a_price_for_everyone_inside_its_window_strikes_the_regular_one(product, client):
    now = timezone.now()
    special = offer(product, starts=now - timedelta(hours=1), ends=now + timedelta(days=3))

    html = client.get(PAGE, **HOST).content.decode()

    assert html.count(struck("$99.00")) == 1
    assert (
        html.count(
            f'Winter offer</span> until <span class="shop-offer-end">{stated_instant(special.ends_at)}</span></p>'
        )
        == 1
    )
    assert REGULAR not in html


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(timedelta(days=-3), timedelta(seconds=-1)), (timedelta(hours=1), timedelta(days=2))],
    ids=["ended", "not-yet-started"],
)
def test_outside_its_window_only_the_regular_price_shows(product, client, starts, ends):
    now = timezone.now()
    offer(product, starts=now + starts, ends=now + ends)

    html = client.get(PAGE, **HOST).content.decode()

    assert html.count(REGULAR) == 1
    assert "<del" not in html
    assert "Winter offer" not in html


def test_a_subscribers_price_shows_only_to_a_signed_in_subscriber(product, client, make_person):
    now = timezone.now()
    offer(
        product,
        starts=now - timedelta(hours=1),
        ends=now + timedelta(days=1),
        audience="news",
        price="79.00",
        label="For subscribers",
    )
    subscriber, other = make_person("sub@example.com"), make_person("other@example.com")
    record_consent(
        subscriber, "newsletter", granted=True, collection_point="mailing_lists", via="test"
    )

    guest = client.get(PAGE, **HOST).content.decode()
    client.force_login(other)
    not_subscribed = client.get(PAGE, **HOST).content.decode()
    client.force_login(subscriber)
    subscribed = client.get(PAGE, **HOST).content.decode()

    assert (guest.count(REGULAR), not_subscribed.count(REGULAR)) == (1, 1)
    assert subscribed.count(struck("$79.00")) == 1
    assert subscribed.count("For subscribers</span> until") == 1


def test_the_demo_seeds_one_offer_for_everyone_for_14_days_once(policy):
    seed_products()
    before = timezone.now()

    first = seed_special_prices()
    again = seed_special_prices()

    assert first is not None
    assert again == first
    assert SpecialPrice.objects.count() == 1
    assert (first.product.sku, first.label, first.price, first.audience) == (SKU, LABEL, PRICE, "")
    assert before <= first.starts_at <= timezone.now()
    assert first.ends_at - first.starts_at == WINDOW == timedelta(days=14)


def test_the_demo_starts_a_new_offer_once_the_last_has_ended(policy):
    seed_products()
    ended = seed_special_prices()
    SpecialPrice.objects.filter(pk=ended.pk).update(
        starts_at=timezone.now() - timedelta(days=20), ends_at=timezone.now() - timedelta(days=6)
    )

    fresh = seed_special_prices()

    assert fresh.pk != ended.pk
    assert fresh.ends_at > timezone.now()
    assert SpecialPrice.objects.filter(ends_at__gt=timezone.now()).count() == 1
