"""A guest's order joins an existing account only when the address's owner says so.

A guest who types an address someone already holds gets an order that is about
that person (the receipt goes to their address) but not in their account: no
ownership, no key. The receipt carries a signed link; following it and pressing
the button (a POST: mail scanners open links) proves the address and claims the
order, which then registers the owner and mails the key.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from pledge.lib.signing import make_token, read_token
from pledge.mail.outbox import enqueue, site_base_url
from pledge.policy.audit import record_audit

from .models import Order, OrderEvent, Status
from .ownership import key_block, register_order_owner
from .pipeline import record

CLAIM_DAYS = 30


def claim_url(order: Order) -> str:
    token = make_token("order-claim", order.number)
    return site_base_url(order.site) + reverse("orders:claim", args=[token])


def order_of_claim(token: str) -> Order:
    """The order a claim link names; BadToken if forged or older than CLAIM_DAYS."""
    number = read_token("order-claim", token, max_age=CLAIM_DAYS * 24 * 60 * 60)
    return Order.objects.select_related("person", "product").get(number=number)


def claim_order(order: Order) -> bool:
    """Add the order to its person's account; for a paid one, register and mail the key.

    Returns False if it was claimed already (the link followed twice).
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.claimed_at is not None:
            return False
        locked.claimed_at = timezone.now()
        locked.save(update_fields=["claimed_at"])
        record(locked, OrderEvent.Kind.CLAIMED, source="claim link")
        record_audit(
            "order.claimed",
            subject_id=locked.person_id,
            categories=["user.behavior.purchase_history"],
            reason=f"order {locked.number} confirmed by the address's owner",
            detail={"order": locked.number},
        )
        if locked.status == Status.PAID:
            key = register_order_owner(locked)
            enqueue(
                person=locked.person,
                purpose="billing",
                template="orders/key",
                site=locked.site,
                context={"order": locked, "key_block": key_block(key)},
            )
    order.claimed_at = locked.claimed_at
    return True
