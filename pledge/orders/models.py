"""Orders, their append-only history, invoices, and special prices (C3, C10, C20)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from pledge.campaigns.promotion import Promotion
from pledge.policy.registry import not_personal, personal_data
from pledge.shop.money import CURRENCIES, DEFAULT_CURRENCY, Money

CURRENCY_CHOICES = [(code, f"{code} ({name})") for code, (_, name) in CURRENCIES.items()]


class AppendOnly(ValueError):
    """A record that is written once was about to be changed or deleted."""


@not_personal(label="the promotion's name, written by staff for every visitor")
class SpecialPrice(models.Model):
    """A time-limited price for one product, for everyone or for a list's subscribers (C10).

    It holds from ``starts_at`` up to, not including, ``ends_at`` (the half-open
    window of ``campaigns.promotion``): refused a microsecond outside it, at
    checkout and again when the processor confirms payment.
    """

    product = models.ForeignKey("shop.Product", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=120)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="The price holds until this instant, not at it.")
    audience = models.CharField(
        "for subscribers of",
        max_length=64,
        blank=True,
        help_text="A mailing list's key: only its subscribers get the price. Empty: everyone.",
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="orders_special_price_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gt=0), name="orders_special_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.money})"

    @property
    def money(self) -> Money:
        return Money(self.price, self.currency)

    @property
    def promotion(self) -> Promotion:
        return Promotion(self.label, self.money, self.starts_at, self.ends_at)


class Status(models.TextChoices):
    PENDING = "pending", "waiting for payment"
    PAID = "paid", "paid"
    FAILED = "failed", "payment failed"
    EXPIRED = "expired", "payment not completed in time"
    REFUNDED = "refunded", "refunded"


@not_personal(
    description="the product's name at the time of the order",
    product="what was sold: kept with the invoice it is on (retention: invoices)",
)
@personal_data(
    subject="person",
    point="order",
    fields={
        "name": "user.name",
        "email": "user.contact.email",
        "shipping_address": "user.contact.address",
    },
    erasure="anonymise",
    retention="invoices",
    anonymised={"name": "", "email": "", "shipping_address": ""},
)
class Order(models.Model):
    """One purchase of one product, from the order form to paid, failed, expired or refunded.

    The form collects name, email and shipping address only; the card is typed on
    the processor's page (C3). ``person`` is whom the order's data is about: the
    signed-in buyer, or for a guest the person holding that address. A guest's
    order reaches that person's account (``claimed_at``) only when the address
    is proved: at once for an address new to us, which becomes a person with no
    password, or, for an address someone already holds, when its owner confirms
    from the link mailed to it. The status moves only through ``pipeline.move``.
    """

    number = models.CharField(max_length=20, unique=True)
    token = models.CharField(max_length=43, unique=True)  # the buyer's link to the order
    site = models.CharField(max_length=64)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254)
    shipping_address = models.TextField()
    product = models.ForeignKey("shop.Product", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=8, decimal_places=2)
    quantity = models.PositiveIntegerField(default=1)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    special_price = models.ForeignKey(
        SpecialPrice, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField()
    checkout_started_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    collection_point = models.CharField(max_length=64)
    collected_at = models.DateTimeField(null=True, blank=True)
    collected_under = models.ForeignKey(
        "policy.PolicyVersion", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("refund_order", "Can refund an order through the processor"),
            ("contact_order", "Can write to the buyer about their order"),
        ]

    def __str__(self) -> str:
        return f"order {self.number}"

    @property
    def total(self) -> Money:
        return Money(self.unit_price * self.quantity, self.currency)

    @property
    def total_minor(self) -> int:
        """The total in cents, as the processor counts it."""
        return int((self.unit_price * self.quantity * 100).to_integral_value())

    @property
    def is_paid(self) -> bool:
        return self.status == Status.PAID


@not_personal(
    note="what happened to the order, in the system's or staff's words; never the buyer's data"
)
class OrderEvent(models.Model):
    """One line of an order's history: a status change, a payment event, a contact.

    Append-only: written by the actions, never changed or deleted (C20). Holds only
    ids, types, amounts and statuses from the processor, never its payload (C3).
    """

    class Kind(models.TextChoices):
        PLACED = "placed", "order placed"
        CHECKOUT = "checkout", "sent to the processor"
        STATUS = "status", "status changed"
        CHARGE = "charge", "payment received"
        REFUND = "refund", "payment refunded"
        REFUND_ASKED = "refund_asked", "refund asked of the processor by staff"
        IGNORED = "ignored", "processor event changed nothing"
        PROMOTION = "promotion", "promotion rule applied"
        CLAIMED = "claimed", "added to the buyer's account"
        CONTACTED = "contacted", "buyer contacted about the order"
        INVOICE = "invoice", "invoice issued"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    source = models.CharField(max_length=64)
    processor_event_id = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    note = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("an order's history is written once and never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnly("an order's history is never deleted")


@not_personal(lines="products, quantities and prices sold: the invoice tax law keeps")
@personal_data(
    subject="order__person",
    point="order",
    fields={
        "buyer_name": "user.name",
        "buyer_email": "user.contact.email",
        "buyer_address": "user.contact.address",
    },
    erasure="anonymise",
    retention="invoices",
    anonymised={"buyer_name": "", "buyer_email": "", "buyer_address": ""},
    version_field=None,
)
class Invoice(models.Model):
    """The invoice of a paid order, as issued: never altered (tax law keeps it seven years).

    The buyer is copied as at issue, so a later correction of the account leaves
    the invoice as it was sent. Only erasure blanks the buyer (the declaration's
    ``invoices`` rule), through the registry.
    """

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField(max_length=32, unique=True)
    issued_at = models.DateTimeField()
    buyer_name = models.CharField(max_length=150)
    buyer_email = models.EmailField(max_length=254)
    buyer_address = models.TextField()
    lines = models.JSONField()
    total = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"invoice {self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("an issued invoice is never altered")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnly("an issued invoice is never deleted")

    @property
    def total_money(self) -> Money:
        return Money(Decimal(self.total), self.currency)
