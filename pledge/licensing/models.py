"""Registered owners of products, and the license keys issued to them (C10, C21)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pledge.policy.registry import not_personal, personal_data

# A license outlives its owner's erasure: the key sold stays valid, and the record
# names the account by number only once the person's record is a tombstone.
RETENTION = "licenses"


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def active(self) -> RegistrationQuerySet:
        return self.filter(status=Registration.Status.ACTIVE)


@not_personal(revoked_reason="why staff revoked the registration, about the order, not the person")
@personal_data(
    subject="person",
    point="order",
    fields={"product": "user.behavior.purchase_history"},
    erasure="keep",
    retention=RETENTION,
)
class Registration(models.Model):
    """A person registered as owner of a product, by one line of a paid order.

    ``order_ref`` and ``line_ref`` name the order line as the orders app sees it,
    an opaque text: one registration per line, whatever retries deliver it twice.
    Revoking (a refund, a chargeback) ends the ownership and its key; the row stays,
    with when and why, so the history of a key can always be told.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        REVOKED = "revoked", "revoked"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations"
    )
    product = models.ForeignKey("shop.Product", on_delete=models.PROTECT, related_name="+")
    order_ref = models.CharField("order", max_length=64)
    line_ref = models.CharField("order line", max_length=64, blank=True, default="")
    entitlements = models.JSONField(default=dict, blank=True)
    expires_on = models.DateField(
        null=True, blank=True, help_text="The last day its keys are valid; empty: no end."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    registered_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=255, blank=True, default="")
    collection_point = models.CharField(max_length=64)
    collected_under = models.ForeignKey(
        "policy.PolicyVersion", on_delete=models.PROTECT, related_name="+"
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "product registration"
        ordering = ["-registered_at", "-id"]
        # Staff act through ``ownership``: these say who may press which button.
        permissions = [
            ("revoke_registration", "Can revoke a registration and its key"),
            ("reissue_registration", "Can re-issue a registration's key"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order_ref", "line_ref"], name="licensing_one_registration_per_line"
            )
        ]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"registration #{self.pk} ({self.order_ref}{'/' + self.line_ref if self.line_ref else ''})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


@not_personal(key="the signed key text: product, entitlements and dates; it names no one")
@personal_data(
    subject="registration__person",
    point="order",
    fields={"serial": "user.behavior.purchase_history"},
    erasure="keep",
    retention=RETENTION,
    version_field=None,
)
class LicenseKey(models.Model):
    """One key issued for a registration. At most one is current; re-issuing replaces it.

    Replaced and revoked keys stay, with when and why they ended: ``pledge license
    verify`` run against the database tells a customer's old key from a forged one.
    """

    class Status(models.TextChoices):
        CURRENT = "current", "current"
        REPLACED = "replaced", "replaced by a newer key"
        REVOKED = "revoked", "revoked"

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="keys")
    serial = models.CharField(max_length=32, unique=True)
    kid = models.CharField("signing key id", max_length=32)
    key = models.TextField("license key")
    issued_at = models.DateTimeField()
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CURRENT)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        verbose_name = "license key"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=models.Q(status="current"),
                name="licensing_one_current_key",
            )
        ]

    def __str__(self) -> str:
        return f"license key {self.serial}"

    @property
    def is_current(self) -> bool:
        return self.status == self.Status.CURRENT
