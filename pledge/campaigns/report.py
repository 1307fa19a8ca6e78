"""How a campaign went: its messages counted by what became of them.

Counts only, from the outbox rows written for the campaign: no person is named, so
the marketing role reads it whole (its job is "aggregate", C20). Opens come from
each message's clear gif (C8, ``OutboundMessage.objects.opens_summary``).
Unsubscribes are exact: an opt-out made with a message's own link or one-click
header names the message (``pledge.mail.lists.unsubscribe`` sets its
``unsubscribed_at``), and the report counts the campaign's messages so marked.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import HELD_UNTIL
from pledge.people.models import Person

from .models import Campaign, CampaignMessage, declared_lists

M = OutboundMessage.Status

# Each bucket, as a filter on the campaign's messages (``message__…``), in the
# order the report shows them.
BUCKETS: dict[str, tuple[str, Q]] = {
    "queued": (
        "queued, or being sent",
        Q(message__status=M.SENDING)
        | (
            Q(message__status=M.QUEUED, message__attempts=0)
            & ~Q(message__next_attempt_at=HELD_UNTIL)
        ),
    ),
    "deferred": (
        "deferred: failed for now, to be retried",
        Q(message__status=M.QUEUED, message__attempts__gt=0)
        & ~Q(message__next_attempt_at=HELD_UNTIL),
    ),
    "held": (
        "held while the campaign is paused",
        Q(message__status=M.QUEUED, message__next_attempt_at=HELD_UNTIL),
    ),
    "sent": ("sent: accepted by the mail server", Q(message__status=M.SENT)),
    "refused": ("refused by the gate", Q(message__status=M.REFUSED)),
    "failed": ("failed permanently", Q(message__status=M.FAILED)),
}

# A refusal's reason may end with the date of the person's choice; grouping drops it,
# so that reasons count together and no date points at one person.
DATED = re.compile(r" on \d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class Report:
    """A campaign's messages counted by outcome, and the refusals by reason."""

    recipients: int
    counts: dict[str, int]
    # Messages opened at least once, and opens in all (lower bounds: a mail program
    # that shows no images is not counted).
    opened: int
    opens: int
    # Messages whose opt-out link or one-click header took their reader off the list.
    unsubscribed: int
    refusals: list[tuple[str, int]]
    # Until every recipient is written: how many the gate lets us mail now.
    audience: int | None

    def bars(self) -> list[Bar]:
        """One bar per bucket, as a share of the recipients written."""
        total = self.recipients or 1
        return [
            Bar(key, label, self.counts[key], round(100 * self.counts[key] / total, 1))
            for key, (label, _) in BUCKETS.items()
        ]


def campaign_report(campaign: Campaign) -> Report:
    """Count the campaign's messages by outcome, opt-outs and opens (two queries), and
    refusals by reason."""
    counts: dict[str, Any] = CampaignMessage.objects.filter(campaign=campaign).aggregate(
        recipients=Count("pk"),
        unsubscribed=Count("pk", filter=Q(message__unsubscribed_at__isnull=False)),
        **{key: Count("pk", filter=q) for key, (_, q) in BUCKETS.items()},
    )
    reasons: Counter[str] = Counter()
    if counts["refused"]:
        rows = (
            CampaignMessage.objects.filter(campaign=campaign, message__status=M.REFUSED)
            .values_list("message__reason")
            .annotate(n=Count("pk"))
        )
        for reason, n in rows:
            reasons[DATED.sub("", reason) or "no reason recorded"] += n
    audience = None
    if campaign.expanded_at is None and campaign.status != Campaign.Status.SENT:
        entry = declared_lists().get(campaign.list_key)
        if entry is not None:
            audience = Person.objects.reachable_for(entry["purpose"], scope=campaign.scope).count()
    recipients = counts.pop("recipients")
    unsubscribed = counts.pop("unsubscribed")
    opened, opens = OutboundMessage.objects.filter(campaign_link__campaign=campaign).opens_summary()
    return Report(
        recipients=recipients,
        counts=counts,
        opened=opened,
        opens=opens,
        unsubscribed=unsubscribed,
        refusals=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
        audience=audience,
    )
