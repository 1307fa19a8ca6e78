"""A special price holds exactly inside its window (C10): at checkout and at payment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pledge.orders.checkout import PromotionEnded, place_order, quote, start_payment
from pledge.orders.models import Order, SpecialPrice, Status
from pledge.policy.consent import record_consent

from .conftest import ADDRESS, event_body

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
END = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@pytest.fixture
def special(product):
    return SpecialPrice.objects.create(
        product=product, label="Winter offer", price=Decimal("99.00"), starts_at=START, ends_at=END
    )


@pytest.mark.parametrize(
    ("when", "price"),
    [
        (START - timedelta(seconds=1), "149.00"),
        (START - TICK, "149.00"),
        (START, "99.00"),
        (START + TICK, "99.00"),
        (END - TICK, "99.00"),
        (END, "149.00"),
        (END + TICK, "149.00"),
        (END + timedelta(seconds=1), "149.00"),
    ],
    ids=[
        "1s-before",
        "tick-before",
        "start",
        "tick-after-start",
        "tick-before-end",
        "end",
        "tick-after-end",
        "1s-after",
    ],
)
def test_the_price_at_each_boundary_instant(product, special, when, price):
    assert str(quote(product, None, when).price.amount) == price


def _freeze(monkeypatch, at):
    monkeypatch.setattr(timezone, "now", lambda: at)


def test_an_order_placed_at_the_start_instant_gets_the_special_price(
    product, special, monkeypatch, policy
):
    _freeze(monkeypatch, START)

    order = place_order(
        product=product,
        site="contactgenie",
        name="A",
        email="a@example.com",
        shipping_address=ADDRESS,
        offer=special.pk,
    )

    assert (order.unit_price, order.special_price) == (Decimal("99.00"), special)


def test_the_offer_shown_is_refused_at_the_end_instant_and_no_order_is_written(
    product, special, monkeypatch
):
    _freeze(monkeypatch, END)

    with pytest.raises(PromotionEnded) as ended:
        place_order(
            product=product,
            site="contactgenie",
            name="A",
            email="a@example.com",
            shipping_address=ADDRESS,
            offer=special.pk,
        )

    assert str(ended.value) == (
        "The promotion “Winter offer” held from 1 December 2026, 09:00 UTC "
        "until 8 December 2026, 09:00 UTC; the price is now $149.00."
    )
    assert Order.objects.count() == 0


def test_checkout_is_refused_when_the_window_closed_between_form_and_payment(
    product, special, monkeypatch, wire
):
    _freeze(monkeypatch, END - TICK)
    order = place_order(
        product=product,
        site="contactgenie",
        name="A",
        email="a@example.com",
        shipping_address=ADDRESS,
        offer=special.pk,
    )
    _freeze(monkeypatch, END)

    with pytest.raises(PromotionEnded):
        start_payment(order, success_url="http://x/ok", cancel_url="http://x/no")

    assert wire.requests == []


def _paid_after_the_end(product, special, monkeypatch, wire, deliver):
    _freeze(monkeypatch, END - timedelta(minutes=5))
    order = place_order(
        product=product,
        site="contactgenie",
        name="A",
        email="a@example.com",
        shipping_address=ADDRESS,
        offer=special.pk,
    )
    start_payment(order, success_url="http://x/ok", cancel_url="http://x/no")
    order.refresh_from_db()
    _freeze(monkeypatch, END)  # the processor confirms exactly at the end instant
    session = wire.complete(order.checkout_session_id)
    return order, deliver(event_body("checkout.session.completed", session, event_id="evt_late"))


def test_a_late_payment_is_honoured_by_the_written_rule_and_recorded(
    product, special, monkeypatch, wire, deliver, settings
):
    settings.LATE_PROMOTION_PAYMENT = "honour"

    order, response = _paid_after_the_end(product, special, monkeypatch, wire, deliver)

    assert response.json()["outcome"] == "paid (late promotion honoured)"
    order.refresh_from_db()
    assert order.status == Status.PAID
    rule = order.events.get(kind="promotion")
    assert rule.source == "rule PLEDGE_LATE_PROMOTION_PAYMENT=honour"
    assert rule.note.startswith(
        "payment confirmed after the promotion ended; honoured: checkout started inside it at 2026-12-08 08:55:00"
    )


def test_a_late_payment_is_refunded_by_the_written_rule_and_recorded(
    product, special, monkeypatch, wire, deliver, settings
):
    settings.LATE_PROMOTION_PAYMENT = "refund"

    order, response = _paid_after_the_end(product, special, monkeypatch, wire, deliver)

    assert response.json()["outcome"] == "paid after the promotion ended: refunded"
    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    assert order.events.get(kind="promotion").source == "rule PLEDGE_LATE_PROMOTION_PAYMENT=refund"
    assert order.events.get(kind="refund").amount == Decimal("99.00")
    assert [r.path for r in wire.requests if r.method == "POST"][-1] == "/v1/refunds"


def test_a_payment_confirmed_a_tick_before_the_end_applies_no_rule(
    product, special, monkeypatch, wire, deliver
):
    _freeze(monkeypatch, END - timedelta(minutes=5))
    order = place_order(
        product=product,
        site="contactgenie",
        name="A",
        email="a@example.com",
        shipping_address=ADDRESS,
        offer=special.pk,
    )
    start_payment(order, success_url="http://x/ok", cancel_url="http://x/no")
    order.refresh_from_db()
    _freeze(monkeypatch, END - TICK)

    response = deliver(
        event_body("checkout.session.completed", wire.complete(order.checkout_session_id))
    )

    assert response.json()["outcome"] == "paid"
    assert not order.events.filter(kind="promotion").exists()


def test_a_subscribers_price_is_for_subscribers_only(product, make_person, monkeypatch):
    offer = SpecialPrice.objects.create(
        product=product,
        label="For subscribers",
        price=Decimal("79.00"),
        starts_at=START,
        ends_at=END,
        audience="news",
    )
    subscriber, other = make_person("sub@example.com"), make_person("other@example.com")
    record_consent(
        subscriber, "newsletter", granted=True, collection_point="mailing_lists", via="test"
    )

    assert quote(product, subscriber, START).special == offer
    assert quote(product, other, START).special is None
    assert quote(product, None, START).special is None
