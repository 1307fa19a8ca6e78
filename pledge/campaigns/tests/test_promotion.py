"""C10: a promotion's price holds only inside its window, to the microsecond, and mail never offers it after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pledge.campaigns.exceptions import PromotionOver
from pledge.campaigns.models import Campaign
from pledge.campaigns.promotion import promotion_price_at
from pledge.campaigns.sending import schedule_campaign, start_campaign
from pledge.shop.money import Money

from .conftest import OFFER_ENDS, OFFER_STARTS

TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("when", "price"),
    [
        (OFFER_STARTS - TICK, None),
        (OFFER_STARTS, Money(Decimal("49.00"), "USD")),
        (OFFER_ENDS - TICK, Money(Decimal("49.00"), "USD")),
        (OFFER_ENDS, None),
        (OFFER_ENDS + timedelta(seconds=1), None),
    ],
    ids=[
        "a microsecond before",
        "at the start",
        "a microsecond before the end",
        "at the end",
        "a second after",
    ],
)
def test_the_price_holds_from_its_start_up_to_not_including_its_end(
    make_campaign, promotion, when, price
):
    campaign = make_campaign(**promotion)

    assert promotion_price_at(campaign, when) == price


def test_a_campaign_without_a_promotion_offers_no_price(make_campaign):
    campaign = make_campaign()

    assert promotion_price_at(campaign, OFFER_STARTS) is None


def test_a_campaign_cannot_start_once_its_promotion_is_over(make_campaign, promotion, staff_member):
    promotion["promo_starts_at"] = datetime(2020, 11, 1, tzinfo=UTC)
    promotion["promo_ends_at"] = datetime(2020, 12, 1, 23, 59, 59, tzinfo=UTC)
    campaign = make_campaign(**promotion)

    with pytest.raises(PromotionOver) as refused:
        start_campaign(campaign, by=staff_member)

    assert str(refused.value) == (
        "its promotion ends 1 December 2020, 23:59 UTC: change the dates or remove the promotion"
    )
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_it_cannot_be_scheduled_for_after_its_promotion_ends(
    make_campaign, promotion, staff_member
):
    promotion["promo_ends_at"] = OFFER_ENDS + timedelta(days=3650)
    campaign = make_campaign(**promotion)

    with pytest.raises(PromotionOver):
        schedule_campaign(campaign, promotion["promo_ends_at"], by=staff_member)

    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_a_promotion_is_all_of_its_fields_and_ends_after_it_starts(make_campaign, promotion):
    campaign = make_campaign()
    campaign.promo_label = "Half price"
    campaign.promo_starts_at = OFFER_ENDS
    campaign.promo_ends_at = OFFER_STARTS

    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()

    assert sorted(refused.value.message_dict) == ["promo_currency", "promo_ends_at", "promo_price"]
