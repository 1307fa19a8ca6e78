"""The person: a customer, an owner, a subscriber or a member of staff."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from pledge.policy import gate
from pledge.policy.collect import stamp
from pledge.policy.registry import not_personal, personal_data


class PersonQuerySet(models.QuerySet["Person"]):
    def reachable_for(self, purpose: str, *, scope: str = "") -> PersonQuerySet:
        """The people whose data the policy lets us use for ``purpose`` now."""
        return self.filter(gate.reachable_q(purpose, scope=scope))


class PersonManager(BaseUserManager.from_queryset(PersonQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def create_user(
        self, email: str, password: str | None = None, *, point: str = "registration", **extra: Any
    ) -> Person:
        person = self.model(email=self.normalize_email(email).lower(), **extra)
        stamp(person, point)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> Person:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("email_verified_at", timezone.now())
        return self.create_user(email, password, point="staff", **extra)


@not_personal(
    email_verified_at="the date the address was confirmed; it holds no address",
    mail_stopped_at="the date mail to the address stopped; it holds no address",
    mail_stopped_until="the date a suspension of mail ends; it holds no address",
)
@personal_data(
    subject="",
    point="registration",
    fields={
        "name": "user.name",
        "email": "user.contact.email",
        "password": "user.authorization.password",
        "pending_email": "user.contact.email",
        "mail_stopped_address": "user.contact.email",
        # Quotes the server's refusal, which may name the address.
        "mail_stopped_reason": "user.contact.email",
    },
    correctable=("name", "email"),
    erasure="anonymise",
    retention="erased_account",
    anonymised={
        "name": "",
        "email": None,
        "pending_email": "",
        "mail_stopped_address": "",
        "mail_stopped_reason": "",
    },
)
class Person(AbstractBaseUser, PermissionsMixin):
    """Anyone with data on the sites: registered by themselves, by an order, or staff.

    ``collected_under`` is the policy version in force when the record was made;
    the gate uses it to tell a declared use from a new one (C22).
    ``pending_email`` is a new address the person asked for and has not yet
    confirmed: ``email`` changes only when the link sent there is followed.
    ``mail_stopped_*`` record that mail to ``mail_stopped_address`` bounced: for good
    (a hard bounce, ``mail_stopped_until`` empty) or suspended until a date (soft
    bounces, ``pledge.mail.inbound.bounces``); the gate refuses mail to that address
    and a new address is not stopped.
    """

    class Status(models.TextChoices):
        ACTIVE = gate.ACTIVE, "active"
        DEACTIVATED = gate.DEACTIVATED, "deactivated"
        ERASED = gate.ERASED, "erased"

    email = models.EmailField(max_length=254, unique=True, null=True, blank=True)
    name = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    pending_email = models.EmailField(max_length=254, blank=True, default="")
    contact_opt_out_at = models.DateTimeField(null=True, blank=True)
    mail_stopped_address = models.EmailField(max_length=254, blank=True, default="")
    mail_stopped_at = models.DateTimeField(null=True, blank=True)
    mail_stopped_until = models.DateTimeField(null=True, blank=True)
    mail_stopped_reason = models.CharField(max_length=255, blank=True, default="")
    deactivated_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    site = models.CharField(max_length=64, blank=True)
    collection_point = models.CharField(max_length=64)
    collected_under = models.ForeignKey(
        "policy.PolicyVersion", on_delete=models.PROTECT, related_name="+"
    )

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="person_email_ci_unique"),
        ]

    def __str__(self) -> str:
        if self.status == self.Status.ERASED:
            return f"erased person #{self.pk}"
        return self.name or self.email or f"person #{self.pk}"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else ""

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None
