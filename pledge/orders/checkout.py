"""From the order form to the processor's page: price, place, pay (C3, C10, C14).

The price is asked twice of the same rule (``quote``): when the buyer submits the
form and when the processor confirms payment (``fulfilment``). A special price
holds only inside its window and for its audience.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from pledge.campaigns.promotion import stated_instant
from pledge.payments import processor
from pledge.people.models import Person
from pledge.policy import gate
from pledge.policy.audit import record_audit
from pledge.policy.collect import stamp
from pledge.policy.versions import current_version
from pledge.shop.models import Product
from pledge.shop.money import Money

from .models import Order, OrderEvent, SpecialPrice, Status
from .pipeline import record

logger = logging.getLogger("pledge.orders")

POINT = "order"


class PromotionEnded(ValueError):
    """The special price the buyer was shown no longer holds."""

    def __init__(self, special: SpecialPrice, now_price: Money):
        self.special, self.now_price = special, now_price
        super().__init__(
            f"The promotion “{special.label}” held from {stated_instant(special.starts_at)} "
            f"until {stated_instant(special.ends_at)}; the price is now {now_price}."
        )


class OrderNotPayable(ValueError):
    """The order is no longer waiting for payment."""


@dataclass(frozen=True)
class Quote:
    price: Money
    special: SpecialPrice | None


def in_audience(special: SpecialPrice, person: Any) -> bool:
    """Whether ``person`` (None for a guest) may have the special price."""
    if not special.audience:
        return True
    if person is None:
        return False
    lists = current_version().declaration.get("lists", {})
    entry = lists.get(special.audience)
    return entry is not None and bool(gate.allows(person, entry["purpose"]))


def quote(product: Product, person: Any, at: datetime) -> Quote:
    """The price of ``product`` for ``person`` at the instant ``at``: the lowest that holds."""
    holding = SpecialPrice.objects.filter(
        product=product, starts_at__lte=at, ends_at__gt=at, currency=product.currency
    ).order_by("price", "id")
    for special in holding:
        if special.promotion.holds_at(at) and in_audience(special, person):
            return Quote(special.money, special)
    return Quote(product.money, None)


def holds_for(order: Order, at: datetime) -> bool:
    """Whether the order's special price (if any) still holds at ``at``."""
    special = order.special_price
    return special is None or special.promotion.holds_at(at)


def _new_number() -> str:
    return f"{timezone.now():%Y}-{secrets.token_hex(4).upper()}"


def buyer_for(signed_in: Any, email: str, name: str, site: str) -> tuple[Person, bool]:
    """The person the order is about, and whether it may join their account now.

    A signed-in buyer: themselves. A guest with an address new to us: a new person
    with no password, collected at the order form (they can set one by resetting
    it, which proves the address). A guest using an address someone already holds:
    that person, but not claimed: only the address's owner, from the link mailed to
    it, can add the order to the account. The guest is told the same either way.
    """
    if signed_in is not None:
        return signed_in, True
    existing = Person.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            person = Person.objects.create_user(email, None, point=POINT, name=name, site=site)
    except IntegrityError:  # the same address given at the same moment elsewhere
        return Person.objects.get(email__iexact=email), False
    return person, True


def place_order(
    *,
    product: Product,
    site: str,
    name: str,
    email: str,
    shipping_address: str,
    signed_in: Any = None,
    offer: int | None = None,
) -> Order:
    """Write the order from the form's data, stamped with the policy version (C3).

    ``offer`` is the special price the form showed: if it no longer holds, raise
    PromotionEnded rather than charge another price than the buyer saw.
    """
    now = timezone.now()
    with transaction.atomic():
        person, claimed = buyer_for(signed_in, email, name, site)
        price = quote(product, person if claimed else None, now)
        if offer is not None and (price.special is None or price.special.pk != offer):
            shown = SpecialPrice.objects.filter(pk=offer).first()
            if shown is not None:
                raise PromotionEnded(shown, price.price)
        order = Order(
            number=_new_number(),
            token=secrets.token_urlsafe(32),
            site=site,
            person=person,
            claimed_at=now if claimed else None,
            name=name,
            email=email,
            shipping_address=shipping_address,
            product=product,
            description=product.name,
            unit_price=price.price.amount,
            currency=price.price.currency,
            special_price=price.special,
            created_at=now,
        )
        stamp(order, POINT)
        order.save()
        record(order, OrderEvent.Kind.PLACED, source="order form", to_status=Status.PENDING)
        record_audit(
            "order.placed",
            actor=signed_in,
            subject_id=person.pk,
            categories=["user.name", "user.contact.email", "user.contact.address"],
            reason=f"order {order.number} placed on the order form",
            detail={"order": order.number, "claimed": claimed, "site": site},
        )
    return order


def start_payment(order: Order, *, success_url: str, cancel_url: str) -> str:
    """The processor's page to send the buyer to; one session per order, however often asked.

    The special price is checked again here (C10). The idempotency key is derived
    from the order, so a retried request gets the session already made.
    """
    now = timezone.now()
    if order.status not in (Status.PENDING, Status.FAILED):
        raise OrderNotPayable(f"order {order.number} is {order.get_status_display()}")
    if not holds_for(order, now):
        assert order.special_price is not None
        raise PromotionEnded(order.special_price, order.product.money)
    if order.checkout_session_id:
        facts = processor.retrieve_session(order.checkout_session_id)
        if facts.status == "open" and facts.url:
            return facts.url
        raise OrderNotPayable(f"the payment page of order {order.number} is {facts.status}")
    facts = processor.create_checkout_session(
        reference=order.number,
        email=order.email,
        lines=[
            processor.Line(
                description=order.description,
                unit_amount=order.total_minor // order.quantity,
                currency=order.currency,
                quantity=order.quantity,
            )
        ],
        success_url=success_url,
        cancel_url=cancel_url,
        idempotency_key=f"pledge-order-{order.number}-checkout",
    )
    with transaction.atomic():
        updated = Order.objects.filter(pk=order.pk, checkout_session_id__isnull=True).update(
            checkout_session_id=facts.id, checkout_started_at=now
        )
        if updated:
            record(order, OrderEvent.Kind.CHECKOUT, source="order form", note=f"session {facts.id}")
    order.checkout_session_id, order.checkout_started_at = facts.id, now
    return facts.url
