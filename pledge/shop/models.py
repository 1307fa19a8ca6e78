"""The catalog: ContactGenie's editions and upgrades, their prices and where they are sold."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from pledge.policy.loaded import configured_declaration
from pledge.policy.registry import not_personal

from .money import CURRENCIES, DEFAULT_CURRENCY, Money

PRICE_ABOVE_ZERO = "A price must be more than zero, such as 49.00."


def validate_price(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError(PRICE_ABOVE_ZERO, code="price_not_positive")


def declared_sites() -> dict[str, str]:
    """Site key -> site name, from the declaration, in its order."""
    return {key: site["name"] for key, site in configured_declaration().sites.items()}


def validate_site_key(value: str) -> None:
    if value not in declared_sites():
        raise ValidationError(
            "%(value)s is not a site of the declaration.",
            code="unknown_site",
            params={"value": value},
        )


class ProductQuerySet(models.QuerySet["Product"]):
    def on_sale(self, site_key: str) -> ProductQuerySet:
        """Active products listed on the site ``site_key``, in catalog order."""
        return self.filter(active=True, listings__site=site_key)

    def editions(self) -> ProductQuerySet:
        return self.filter(kind=Product.Kind.EDITION)


@not_personal(
    name="the product's name, the same for every buyer",
    edition="the name of an edition of the product",
    description="the product's description, written by staff for every visitor",
)
class Product(models.Model):
    """Something the vendor sells: an edition of ContactGenie, or an upgrade to one.

    The price is exact (a Decimal) in one currency per product. Products are never
    deleted, only made inactive: orders will point at them and copy the price they
    were sold at. Staff add and change them in the admin, through
    ``catalog.save_product``, which audits every change.
    """

    class Kind(models.TextChoices):
        EDITION = "edition", "edition"
        UPGRADE = "upgrade", "upgrade"

    sku = models.SlugField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.EDITION)
    edition = models.CharField(
        "edition name", max_length=60, help_text="Standard, Professional, Network Edition, …"
    )
    summary = models.CharField(
        max_length=200, help_text="One sentence, shown in lists and on cards."
    )
    description = models.TextField(
        blank=True, help_text="Plain text; a blank line starts a new paragraph."
    )
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[validate_price])
    currency = models.CharField(
        max_length=3,
        choices=[(code, f"{code} ({name})") for code, (_, name) in CURRENCIES.items()],
        default=DEFAULT_CURRENCY,
    )
    upgrades_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="upgrades",
        limit_choices_to={"kind": Kind.EDITION},
        error_messages={"invalid": "An upgrade is from an edition, not from another upgrade."},
        help_text="For an upgrade: the edition its buyer owns.",
    )
    active = models.BooleanField(default=True, help_text="Shown and sold on its sites.")
    position = models.PositiveIntegerField(default=0, help_text="Lower comes first.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["position", "sku"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="shop_price_positive"),
            models.CheckConstraint(
                condition=models.Q(kind="edition", upgrades_from__isnull=True)
                | models.Q(kind="upgrade", upgrades_from__isnull=False),
                name="shop_upgrade_names_its_edition",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def money(self) -> Money:
        return Money(self.price, self.currency)

    @property
    def is_upgrade(self) -> bool:
        return self.kind == self.Kind.UPGRADE

    def clean_fields(self, exclude: Any = None) -> None:
        """Field checks, then whether ``kind`` and ``upgrades_from`` fit each other.

        Here rather than in ``clean()``: Django passes ``exclude`` only to this method,
        so a form whose ``upgrades_from`` was already refused is not told twice. That
        an upgrade is from an edition, not another upgrade, the foreign key's
        ``limit_choices_to`` checks.
        """
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as refused:
            errors = refused.update_error_dict(errors)
        if not {"kind", "upgrades_from"} & (set(exclude or ()) | set(errors)):
            errors.update(self._kind_problems())
        if errors:
            raise ValidationError(errors)

    def _kind_problems(self) -> dict[str, list[str]]:
        if self.kind == self.Kind.EDITION:
            if self.upgrades_from_id is not None:
                return {
                    "upgrades_from": ["Only an upgrade upgrades from an edition; leave this empty."]
                }
            return {}
        if self.upgrades_from_id is None:
            return {"upgrades_from": ["An upgrade names the edition it upgrades from."]}
        if self.pk is not None and self.upgrades_from_id == self.pk:
            return {"upgrades_from": ["A product cannot be an upgrade from itself."]}
        if self.pk is not None and Product.objects.filter(upgrades_from=self.pk).exists():
            return {"kind": ["Upgrades are sold for this edition, so it stays an edition."]}
        return {}


class Listing(models.Model):
    """A product on sale on one of the vendor's sites (a key of the declaration's ``sites``)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="listings")
    site = models.CharField(max_length=64, validators=[validate_site_key])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "site"], name="shop_listing_once_per_site")
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} on {self.site}"
