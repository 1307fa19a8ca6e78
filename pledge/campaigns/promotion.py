"""A campaign's time-limited promotion (C10): its price holds only inside its window.

The window is half-open: the price holds from ``promo_starts_at`` up to, not
including, ``promo_ends_at``. The mail states the end rounded down to the minute,
so it never promises a moment the price no longer holds. The order issue asks
``promotion_price_at`` at checkout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pledge.shop.money import CURRENCIES, Money

from .exceptions import PromotionOver


@dataclass(frozen=True)
class Promotion:
    """A special price for a stated window."""

    label: str
    price: Money
    starts_at: datetime
    ends_at: datetime

    def holds_at(self, when: datetime) -> bool:
        return self.starts_at <= when < self.ends_at

    @property
    def starts(self) -> str:
        return stated_instant(self.starts_at)

    @property
    def ends(self) -> str:
        """As the mail says it: ``1 December 2026, 23:59 UTC``."""
        return stated_instant(self.ends_at)


def stated_instant(when: datetime) -> str:
    """An instant as mail states it, in UTC, to the minute (seconds are dropped)."""
    utc = when.astimezone(UTC)
    return f"{utc.day} {utc:%B %Y, %H:%M} UTC"


def promotion_of(campaign: Any) -> Promotion | None:
    """The campaign's promotion, or None when it carries none."""
    if campaign.promo_ends_at is None or campaign.promo_price is None:
        return None
    return Promotion(
        label=campaign.promo_label,
        price=Money(campaign.promo_price, campaign.promo_currency),
        starts_at=campaign.promo_starts_at,
        ends_at=campaign.promo_ends_at,
    )


def promotion_price_at(campaign: Any, when: datetime) -> Money | None:
    """The promotion's price if it holds at ``when``, else None (C10).

    Holds at the start instant; not a microsecond before it, not at the end instant.
    """
    promotion = promotion_of(campaign)
    if promotion is None or not promotion.holds_at(when):
        return None
    return promotion.price


def refuse_if_over(campaign: Any, at: datetime) -> None:
    """Raise PromotionOver if the mail would go out when its promotion no longer holds."""
    promotion = promotion_of(campaign)
    if promotion is not None and at >= promotion.ends_at:
        raise PromotionOver(promotion.ends)


PROMOTION_FIELDS = (
    "promo_label",
    "promo_price",
    "promo_currency",
    "promo_starts_at",
    "promo_ends_at",
)


def promotion_errors(campaign: Any) -> list[tuple[str, str]]:
    """What is wrong with a campaign's promotion fields, as (field, message) pairs.

    A promotion is all of label, price, currency, start and end, or none of them.
    """
    given = {f for f in PROMOTION_FIELDS if getattr(campaign, f) not in (None, "")}
    if not given:
        return []
    errors = [
        (f, "A promotion needs this too (or clear every promotion field).")
        for f in PROMOTION_FIELDS
        if f not in given
    ]
    if campaign.promo_currency and campaign.promo_currency not in CURRENCIES:
        errors.append(("promo_currency", "Not a currency the shop prices in."))
    if campaign.promo_price is not None and campaign.promo_price <= 0:
        errors.append(("promo_price", "A price must be more than zero, such as 49.00."))
    starts, ends = campaign.promo_starts_at, campaign.promo_ends_at
    if starts is not None and ends is not None and ends <= starts:
        errors.append(("promo_ends_at", "The promotion must end after it starts."))
    return errors
