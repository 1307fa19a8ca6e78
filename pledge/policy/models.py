"""Policy versions, consents and the audit trail.

``policy`` is the core every other app imports; it imports none of them. It refers
to the person only through ``settings.AUTH_USER_MODEL``.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models

from .declaration import Declaration
from .registry import not_personal, personal_data


class Immutable(models.Model):
    """A row that is written once and never changed or deleted by the application."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRowError(f"{type(self).__name__} rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRowError(f"{type(self).__name__} rows are never deleted")


class ImmutableRowError(RuntimeError):
    pass


_PARSED: dict[str, dict[str, Any]] = {}


class PolicyVersionQuerySet(models.QuerySet["PolicyVersion"]):
    def current(self) -> PolicyVersion | None:
        return self.order_by("-number").first()


@not_personal(declaration_text="the published policy, the same for everyone")
class PolicyVersion(Immutable):
    """One published state of the declaration. Every personal datum points at one.

    Immutable: the data collected under a version is used according to that version
    (C22), so the version must never change after the fact.
    """

    number = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=150, blank=True)
    digest = models.CharField(max_length=64, db_index=True)
    # The declaration as JSON text, not a JSON column: PostgreSQL's jsonb would
    # reorder the keys, and the statement lists things in the declaration's order.
    declaration_text = models.TextField()
    changes = models.JSONField(default=dict)
    material = models.BooleanField(default=False)

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Version {self.number} ({self.published_at:%Y-%m-%d})"

    @property
    def declaration(self) -> dict[str, Any]:
        """The declaration as data. Parsed once per process: a version never changes.

        Keyed by digest, the hash of the content itself, so a row id reused after a
        rolled-back test can never return another version's data. Callers must not
        mutate the result.
        """
        data = _PARSED.get(self.digest)
        if data is None:
            data = _PARSED[self.digest] = json.loads(self.declaration_text)
        return data

    @property
    def as_declaration(self) -> Declaration:
        return Declaration(data=self.declaration, source=f"version {self.number}")

    def purpose(self, key: str) -> dict[str, Any] | None:
        purposes: dict[str, dict[str, Any]] = self.declaration["purposes"]
        return purposes.get(key)


@personal_data(
    subject="person",
    point="mailing_lists",
    fields={"purpose": "user.privacy_preferences", "granted": "user.privacy_preferences"},
    version_field="policy_version",
)
class Consent(Immutable):
    """One grant or withdrawal of consent, as it happened. Append-only history.

    ``scope`` narrows a purpose where it has several lists (a product's updates).
    """

    class Via(models.TextChoices):
        FORM = "form", "a form on the site"
        LINK = "link", "a link in a mail"
        ONE_CLICK = "one_click", "one-click unsubscribe"
        MAIL = "mail", "a mail to us"
        STAFF = "staff", "staff, on the person's request"
        SYSTEM = "system", "the system (bounce, complaint, deactivation)"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(max_length=64)
    scope = models.CharField(max_length=64, blank=True, default="")
    granted = models.BooleanField()
    at = models.DateTimeField()
    via = models.CharField(max_length=16, choices=Via.choices)
    collection_point = models.CharField(max_length=64)
    site = models.CharField(max_length=64, blank=True)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["person", "purpose", "scope"])]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "withdrew"
        return f"#{self.person_id} {verb} {self.purpose} {self.at:%Y-%m-%d}"


@personal_data(
    subject="person",
    point="mailing_lists",
    fields={"purpose": "user.privacy_preferences", "granted": "user.privacy_preferences"},
    version_field="policy_version",
)
class ConsentState(models.Model):
    """The standing answer per person, purpose and scope: the latest Consent row.

    Kept by ``record_consent`` in the same transaction as the history row, so the
    reachable-people query is one indexed EXISTS.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_states"
    )
    purpose = models.CharField(max_length=64)
    scope = models.CharField(max_length=64, blank=True, default="")
    granted = models.BooleanField()
    since = models.DateTimeField()
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    latest = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose", "scope"], name="one_consent_state_per_purpose"
            )
        ]
        indexes = [models.Index(fields=["purpose", "scope", "granted"])]

    def __str__(self) -> str:
        return f"#{self.person_id} {self.purpose}: {'yes' if self.granted else 'no'}"


@not_personal(subject_id="an account number, which names no one once the account is erased")
class AuditEvent(Immutable):
    """Who did or saw what to whose data, when and why. Append-only (C20, C12).

    ``subject_id`` is the person's id as a plain number, not a foreign key, so the
    trail of what was done outlives an erasure without naming anyone.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    subject_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    categories = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"
