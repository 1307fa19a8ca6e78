"""The invoice and the receipt of a paid order, written in the payment's transaction."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from pledge.licensing.models import LicenseKey
from pledge.mail.outbox import enqueue, site_base_url
from pledge.policy.audit import record_audit
from pledge.shop.money import Money

from .models import Invoice, Order, OrderEvent
from .ownership import key_block
from .pipeline import record

# Purposes from the declaration: the receipt is billing; it is transactional, so it
# goes even to someone who opted out of all other mail.
BILLING = "billing"


def issue_invoice(order: Order) -> Invoice:
    """Issue the order's invoice once: the buyer and lines as they are now, never altered."""
    existing = Invoice.objects.filter(order=order).first()
    if existing is not None:
        return existing
    invoice = Invoice.objects.create(
        order=order,
        number=f"INV-{order.number}",
        issued_at=timezone.now(),
        buyer_name=order.name,
        buyer_email=order.email,
        buyer_address=order.shipping_address,
        lines=[
            {
                "sku": order.product.sku,
                "description": order.description,
                "quantity": order.quantity,
                "unit_price": str(order.unit_price),
                "currency": order.currency,
                "special_price": order.special_price.label if order.special_price else "",
            }
        ],
        total=order.unit_price * order.quantity,
        currency=order.currency,
    )
    record(order, OrderEvent.Kind.INVOICE, source="orders", note=invoice.number)
    record_audit(
        "order.invoice",
        subject_id=order.person_id,
        categories=["user.name", "user.contact.address", "user.behavior.purchase_history"],
        reason=f"invoice {invoice.number} issued for order {order.number}",
        detail={"order": order.number, "invoice": invoice.number},
    )
    return invoice


def order_url(order: Order) -> str:
    return site_base_url(order.site) + reverse("orders:status", args=[order.token])


def send_receipt(order: Order, invoice: Invoice, key: LicenseKey | None) -> None:
    """Queue the receipt, with the license key, in the caller's transaction.

    An order not yet claimed by the address's owner carries no key: it carries the
    link that lets that owner confirm the order is theirs.
    """
    from .claims import claim_url

    enqueue(
        person=order.person,
        purpose=BILLING,
        template="orders/receipt",
        site=order.site,
        context={
            "order": order,
            "invoice": invoice,
            "key_block": key_block(key),
            "order_url": order_url(order),
            "claim_url": "" if order.claimed_at else claim_url(order),
        },
    )


def send_refund_notice(order: Order, *, amount: Decimal, revoked_serials: list[str]) -> None:
    """Queue the mail that tells the buyer their order was refunded, in the refund's transaction.

    Billing, like the receipt: it goes even to someone who opted out of all other
    mail. It names the order, the amount refunded and each license key the refund
    revoked, so the buyer knows the copy they installed will stop accepting it.
    The caller sends it only when its move to refunded succeeded, so one refund
    is told once, however often the processor delivers its event.
    """
    enqueue(
        person=order.person,
        purpose=BILLING,
        template="orders/refund",
        site=order.site,
        context={
            "order": order,
            "refunded": Money(amount.quantize(Decimal("0.01")), order.currency),
            "revoked_serials": revoked_serials,
            "order_url": order_url(order),
        },
    )
