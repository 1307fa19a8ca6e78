"""Campaigns: a mailing written by marketing staff, sent to one of the declaration's lists.

A campaign's recipients are never stored by hand: they are the people the gate
lets us mail for the list's purpose when the campaign is expanded
(``sending.expand_campaign``). Each recipient gets one outbox row, linked here by a
``CampaignMessage``, so the mail app knows nothing of campaigns.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from pledge.mail.models import OutboundMessage, OutboundMessageQuerySet
from pledge.policy.loaded import configured_declaration
from pledge.policy.registry import not_personal
from pledge.policy.versions import NoPolicyPublished, current_version
from pledge.shop.money import CURRENCIES

from .exceptions import CampaignStateError


def _declaration() -> dict[str, Any]:
    try:
        return current_version().declaration
    except NoPolicyPublished:
        return configured_declaration().data


def declared_lists() -> dict[str, dict[str, Any]]:
    """The mailing lists of the policy in force (the declaration file before any publish)."""
    return dict(_declaration().get("lists", {}))


def declared_sites() -> dict[str, str]:
    """Site key -> site name, in the declaration's order."""
    return {key: site["name"] for key, site in configured_declaration().sites.items()}


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def due(self, now: Any) -> CampaignQuerySet:
        """Scheduled campaigns whose time has come."""
        return self.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now)


@not_personal(
    name="the campaign's name, written by staff about a mailing, not about a person",
    subject="the subject as staff wrote it (a template); a recipient's copy is in the outbox",
    body_text="the text staff wrote about products; a recipient's copy is in the outbox",
    body_html="the HTML staff wrote about products; a recipient's copy is in the outbox",
)
class Campaign(models.Model):
    """One mailing to one of the declaration's lists, from draft to sent.

    ``subject``, ``body_text`` and ``body_html`` are templates filled in per
    recipient (``personalisation.py``). The status moves only along
    ``TRANSITIONS``, through the actions in ``sending.py``; a paused campaign
    resumes to where it was: sending if it had started, else scheduled.

    A campaign may carry a time-limited promotion (C10): its price holds from
    ``promo_starts_at`` up to, not including, ``promo_ends_at``, and the mail says
    until when (``promotion.py``).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        SCHEDULED = "scheduled", "scheduled"
        SENDING = "sending", "sending"
        PAUSED = "paused", "paused"
        SENT = "sent", "sent"

    name = models.CharField(max_length=120, help_text="For staff only; recipients never see it.")
    site = models.CharField(max_length=64, help_text="The site the mail comes from.")
    list_key = models.CharField("list", max_length=64)
    scope = models.CharField(
        max_length=64,
        blank=True,
        help_text="For a list of a product's owners: the product (its SKU). Empty otherwise.",
    )
    subject = models.CharField(max_length=255)
    body_text = models.TextField(
        "text",
        help_text="The plain-text part. May use {{ first_name }}, {{ name }}, {{ site_name }} "
        "and {{ promotion.ends }}.",
    )
    body_html = models.TextField(
        "HTML",
        blank=True,
        help_text="Optional HTML part: a fragment, which may start with a style block; "
        "its rules are written into style attributes for mail programs.",
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    expanded_at = models.DateTimeField(
        "all recipients written at",
        null=True,
        blank=True,
        help_text="When every recipient had their message in the outbox.",
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    promo_label = models.CharField("promotion", max_length=120, blank=True)
    promo_price = models.DecimalField(
        "promotion price", max_digits=8, decimal_places=2, null=True, blank=True
    )
    promo_currency = models.CharField(
        "currency",
        max_length=3,
        blank=True,
        choices=[(code, f"{code} ({name})") for code, (_, name) in CURRENCIES.items()],
    )
    promo_starts_at = models.DateTimeField("promotion starts", null=True, blank=True)
    promo_ends_at = models.DateTimeField(
        "promotion ends",
        null=True,
        blank=True,
        help_text="The price holds until this instant, not after it.",
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(promo_starts_at__isnull=True)
                | models.Q(promo_ends_at__gt=models.F("promo_starts_at")),
                name="campaign_promotion_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def messages(self) -> OutboundMessageQuerySet:
        """The outbox rows written for this campaign's recipients."""
        return OutboundMessage.objects.filter(campaign_link__campaign=self)

    @property
    def list_label(self) -> str:
        entry = declared_lists().get(self.list_key)
        return entry["label"] if entry else self.list_key

    @property
    def has_promotion(self) -> bool:
        return self.promo_ends_at is not None

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def check_transition(self, to: str) -> None:
        """Raise CampaignStateError unless the status may move from its own to ``to``."""
        if to not in TRANSITIONS[self.status]:
            raise CampaignStateError(self.status, to)

    def resumes_to(self) -> str:
        """Where a paused campaign goes back to: sending once started, else scheduled."""
        return self.Status.SENDING if self.started_at is not None else self.Status.SCHEDULED

    def clean(self) -> None:
        from .personalisation import template_errors
        from .promotion import promotion_errors

        errors: dict[str, list[str]] = {}
        if self.site and self.site not in declared_sites():
            errors.setdefault("site", []).append("Not a site of the declaration.")
        lists = declared_lists()
        entry = lists.get(self.list_key)
        if self.list_key and entry is None:
            errors.setdefault("list_key", []).append("Not a list of the declaration.")
        elif entry is not None and entry.get("owners_only") and not self.scope.strip():
            errors.setdefault("scope", []).append(
                f"{entry['label']} goes to the owners of one product: name it (its SKU)."
            )
        elif entry is not None and not entry.get("owners_only") and self.scope:
            errors.setdefault("scope", []).append(
                f"{entry['label']} is one list for everyone on it: leave this empty."
            )
        for field, message in [*template_errors(self), *promotion_errors(self)]:
            errors.setdefault(field, []).append(message)
        if errors:
            raise ValidationError(errors)


Status = Campaign.Status

# draft → scheduled → sending → sent; paused from scheduled or sending and back;
# a scheduled campaign may go back to draft to be edited.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SCHEDULED, Status.SENDING}),
    Status.SCHEDULED: frozenset({Status.DRAFT, Status.SENDING, Status.PAUSED}),
    Status.SENDING: frozenset({Status.PAUSED, Status.SENT}),
    Status.PAUSED: frozenset({Status.SCHEDULED, Status.SENDING}),
    Status.SENT: frozenset(),
}


class CampaignMessage(models.Model):
    """One recipient of a campaign and the outbox row written for them.

    Unique per campaign and person: an expansion run again after a crash finds the
    people already written and writes no second row for them. Erasing a person
    deletes their outbox rows (the registry's rule), and these links with them.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="recipients")
    message = models.OneToOneField(
        "mail.OutboundMessage", on_delete=models.CASCADE, related_name="campaign_link"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person"], name="campaign_one_message_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"campaign {self.campaign_id} to #{self.person_id}"
