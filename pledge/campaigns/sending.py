"""Campaign actions: save, schedule, start, expand, pause, resume, finish, test.

Each action moves the campaign along ``models.TRANSITIONS`` and writes its audit
row in its own transaction. A move is made by reading the row locked and then a
conditional UPDATE on the status read, so two workers, or a worker and a member of
staff, cannot both make it (the UPDATE holds on SQLite, where the lock does not).

Sending is expansion: ``expand_campaign`` writes one outbox row per recipient, in
batches, for the people ``Person.objects.reachable_for`` gives for the list's
purpose — never from another query (C9, C10). A batch is one transaction, and a
person already written for the campaign is skipped (the cursor is the highest
person written, and ``CampaignMessage`` is unique per campaign and person), so an
expansion that crashed resumes where it stopped and writes no one twice. The
worker asks the gate again when it sends each message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import (
    Letter,
    Rendered,
    enqueue_rendered,
    hold,
    message_links,
    unhold,
)
from pledge.people.models import Person
from pledge.policy.audit import record_audit

from .exceptions import CampaignLocked, CampaignRefused, CampaignStateError, PromotionOver
from .models import Campaign, CampaignMessage, declared_lists
from .personalisation import compile_campaign
from .promotion import refuse_if_over

logger = logging.getLogger(__name__)

Status = Campaign.Status

# Recipients written per transaction, and batches per run of the periodic job, so
# a large campaign never keeps the worker from delivering for long.
EXPAND_BATCH = 500
BATCHES_PER_RUN = 20

# The purpose a test copy to its own author is sent under (declared in the policy).
STAFF_TEST_PURPOSE = "staff_test_mail"

# The fields staff edit on a draft; the audit trail names those changed.
EDITABLE = (
    "name",
    "site",
    "list_key",
    "scope",
    "subject",
    "body_text",
    "body_html",
    "promo_label",
    "promo_price",
    "promo_currency",
    "promo_starts_at",
    "promo_ends_at",
)


def _detail(campaign: Campaign, **more: Any) -> dict[str, Any]:
    return {"campaign": campaign.pk, "name": campaign.name, **more}


def save_campaign(campaign: Campaign, *, by: Any, changed_fields: Iterable[str] = ()) -> list[str]:
    """Add a campaign, or save the changed fields of a draft; return the fields saved.

    Only a draft may change (else CampaignLocked): once scheduled, its text is what
    recipients get. Audited as ``campaign.add`` or ``campaign.change``, naming the
    fields changed; a campaign holds no personal data, so no values are needed.
    """
    with transaction.atomic():
        if campaign._state.adding:
            campaign.status = Status.DRAFT
            campaign.created_by = by if getattr(by, "pk", None) else None
            campaign.save()
            record_audit(
                "campaign.add",
                actor=by,
                reason=f"campaign {campaign.name}"[:255],
                detail=_detail(campaign, list=campaign.list_key, site=campaign.site),
            )
            return list(EDITABLE)
        stored = Campaign.objects.select_for_update().only("status").get(pk=campaign.pk)
        if stored.status != Status.DRAFT:
            raise CampaignLocked(stored.status)
        fields = [f for f in EDITABLE if f in set(changed_fields)]
        if not fields:
            return []
        campaign.save(update_fields=fields)
        record_audit(
            "campaign.change",
            actor=by,
            reason=f"campaign {campaign.name}: {', '.join(fields)}"[:255],
            detail=_detail(campaign, fields=fields),
        )
    return fields


def _move(
    campaign: Campaign,
    to: str,
    *,
    by: Any,
    action: str,
    reason: str = "",
    only_from: tuple[str, ...] = (),
    **changes: Any,
) -> Campaign:
    """Move ``campaign`` to status ``to`` if the pipeline allows it from where it is now.

    Reads the row locked, checks the move (and that it starts from ``only_from``,
    if given), and makes it by an UPDATE conditional on the status read: if another
    process moved it meanwhile, CampaignStateError. Sets ``changes`` with it,
    audits, and updates the instance.
    """
    with transaction.atomic():
        current = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if only_from and current.status not in only_from:
            raise CampaignStateError(current.status, to)
        current.check_transition(to)
        moved = Campaign.objects.filter(pk=current.pk, status=current.status).update(
            status=to, **changes
        )
        if not moved:
            raise CampaignStateError(current.status, to)
        record_audit(
            action,
            actor=by,
            reason=f"campaign {current.name}: {current.status} → {to}"
            + (f" ({reason})" if reason else ""),
            detail=_detail(current, old=current.status, new=to, **_jsonable(changes)),
        )
    campaign.status = to
    for name, value in changes.items():
        setattr(campaign, name, value)
    return campaign


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in changes.items()}


def schedule_campaign(campaign: Campaign, at: datetime, *, by: Any) -> Campaign:
    """Schedule a draft to start sending at ``at``, which must be in the future."""
    if at <= timezone.now():
        raise CampaignRefused("choose a time in the future, or send it now")
    refuse_if_over(campaign, at)
    return _move(
        campaign,
        Status.SCHEDULED,
        by=by,
        action="campaign.schedule",
        only_from=(Status.DRAFT,),
        scheduled_at=at,
    )


def unschedule_campaign(campaign: Campaign, *, by: Any, reason: str = "") -> Campaign:
    """Take a scheduled campaign back to draft, to edit it."""
    return _move(
        campaign,
        Status.DRAFT,
        by=by,
        action="campaign.unschedule",
        reason=reason,
        scheduled_at=None,
    )


def start_campaign(campaign: Campaign, *, by: Any) -> Campaign:
    """Start sending a draft or a scheduled campaign: from now on it is expanded.

    ``by`` is the member of staff who pressed "Send now", or None for the schedule.
    Refused (PromotionOver) if its promotion has already ended: the mail would offer
    a price that no longer holds (C10).
    """
    now = timezone.now()
    refuse_if_over(campaign, now)
    return _move(
        campaign,
        Status.SENDING,
        by=by,
        action="campaign.start",
        only_from=(Status.DRAFT, Status.SCHEDULED),
        started_at=now,
    )


def pause_campaign(campaign: Campaign, *, by: Any) -> Campaign:
    """Pause a scheduled or sending campaign.

    Expansion stops before its next batch, and the campaign's messages still queued
    are held back from the worker until it resumes (those being sent finish).
    """
    with transaction.atomic():
        _move(campaign, Status.PAUSED, by=by, action="campaign.pause")
        hold(campaign.messages())
    return campaign


def resume_campaign(campaign: Campaign, *, by: Any) -> Campaign:
    """Resume a paused campaign where it was: sending if it had started, else scheduled.

    Its held messages become due again. Refused (PromotionOver) when it would go on
    sending after its promotion ended.
    """
    to = campaign.resumes_to()
    if to == Status.SENDING:
        refuse_if_over(campaign, timezone.now())
    with transaction.atomic():
        _move(campaign, to, by=by, action="campaign.resume", only_from=(Status.PAUSED,))
        unhold(campaign.messages())
    return campaign


@dataclass
class Expansion:
    """What one ``expand_campaign`` call did."""

    written: int = 0
    batches: int = 0
    done: bool = False
    stopped: str = ""  # why it stopped before the end: "paused", "budget"


def expand_campaign(
    campaign: Campaign, *, batch: int = EXPAND_BATCH, max_batches: int | None = None
) -> Expansion:
    """Write the outbox rows of a sending campaign, ``batch`` recipients at a time.

    Recipients are ``Person.objects.reachable_for(list purpose, scope=...)`` in
    account order, after the last person already written. Stops between batches
    when the campaign is no longer sending (paused), after ``max_batches``, or when
    a batch comes back short: then every recipient is written (``expanded_at``).
    The templates are compiled once for the whole call.
    """
    result = Expansion()
    lists = declared_lists()
    purpose = lists[campaign.list_key]["purpose"]
    compiled = compile_campaign(campaign)
    while max_batches is None or result.batches < max_batches:
        outcome = _expand_batch(campaign.pk, purpose, compiled, lists, batch)
        if outcome is None:
            result.stopped = "paused"
            return result
        written, expanded_at = outcome
        result.batches += 1
        result.written += written
        if expanded_at is not None:
            result.done = True
            campaign.expanded_at = expanded_at
            return result
    result.stopped = "budget"
    return result


def _expand_batch(
    campaign_id: int, purpose: str, compiled: Any, lists: dict[str, Any], size: int
) -> tuple[int, datetime | None] | None:
    """One batch in one transaction: (rows written, when all were, if they now are).

    None if the campaign is not, or no longer, expanding.
    """
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != Status.SENDING or campaign.expanded_at is not None:
            return None
        last_written = (
            CampaignMessage.objects.filter(campaign=campaign)
            .order_by("-person_id")
            .values("person_id")[:1]
        )
        people = list(
            Person.objects.reachable_for(purpose, scope=campaign.scope)
            .filter(pk__gt=Coalesce(Subquery(last_written), Value(0)))
            .order_by("pk")[:size]
        )
        letters = []
        for person in people:
            links = message_links(
                person, purpose, site=campaign.site, scope=campaign.scope, lists=lists
            )
            rendered = compiled.render(person, links=links.context())
            letters.append(Letter(person, rendered, links.manage_url, links))
        rows = enqueue_rendered(
            letters,
            purpose=purpose,
            site=campaign.site,
            template=f"campaigns/{campaign.pk}",
            scope=campaign.scope,
        )
        CampaignMessage.objects.bulk_create(
            CampaignMessage(campaign=campaign, message=row, person_id=row.person_id) for row in rows
        )
        done = len(people) < size
        if done:
            campaign.expanded_at = timezone.now()
            campaign.save(update_fields=["expanded_at"])
        record_audit(
            "campaign.expand",
            reason=f"campaign {campaign.name}: {len(rows)} recipient(s) written"
            + (", all written" if done else ""),
            detail=_detail(campaign, written=len(rows), done=done),
        )
    return len(rows), campaign.expanded_at


def finish_if_done(campaign: Campaign) -> bool:
    """Mark a sending campaign sent once every recipient is written and every message final.

    Final: sent, refused or failed; a deferred message is still waiting for a retry.
    """
    if campaign.status != Status.SENDING or campaign.expanded_at is None:
        return False
    open_statuses = (OutboundMessage.Status.QUEUED, OutboundMessage.Status.SENDING)
    if campaign.messages().filter(status__in=open_statuses).exists():
        return False
    try:
        _move(campaign, Status.SENT, by=None, action="campaign.sent", finished_at=timezone.now())
    except CampaignStateError:
        return False  # paused, or finished by another worker, meanwhile
    return True


def run_due_campaigns() -> None:
    """The worker's periodic job: start what is due, expand what is sending, finish what is done.

    Safe on several workers at once: starts and finishes are conditional moves, and
    batches lock their campaign.
    """
    now = timezone.now()
    for campaign in Campaign.objects.due(now):
        try:
            start_campaign(campaign, by=None)
        except PromotionOver as over:
            # It would offer a price that no longer holds: back to draft, for staff.
            unschedule_campaign(campaign, by=None, reason=str(over))
            logger.warning("campaign %s not started: %s", campaign.pk, over)
            continue
        except CampaignStateError:
            continue  # another worker started it, or staff paused it, meanwhile
        logger.info("campaign %s started on schedule", campaign.pk)
    for campaign in Campaign.objects.filter(status=Status.SENDING):
        if campaign.expanded_at is None:
            expansion = expand_campaign(campaign, max_batches=BATCHES_PER_RUN)
            logger.info(
                "campaign %s: %s recipient(s) written in %s batch(es)%s",
                campaign.pk,
                expansion.written,
                expansion.batches,
                ", all written" if expansion.done else "",
            )
        if finish_if_done(campaign):
            logger.info("campaign %s sent", campaign.pk)


def send_test(campaign: Campaign, *, by: Any) -> OutboundMessage:
    """Send the campaign, as a recipient would get it, to the member of staff ``by`` only.

    Filled in with their own name and manage link, the subject marked "[Test]", to
    their own address under the purpose the policy declares for it. Not a recipient
    of the campaign: the test counts in no report. Audited as ``campaign.test``.
    """
    links = message_links(by, STAFF_TEST_PURPOSE, site=campaign.site)
    rendered = compile_campaign(campaign).render(by, links=links.context())
    test = Rendered(subject=f"[Test] {rendered.subject}", text=rendered.text, html=rendered.html)
    with transaction.atomic():
        [row] = enqueue_rendered(
            [Letter(by, test, links.manage_url, links)],
            purpose=STAFF_TEST_PURPOSE,
            site=campaign.site,
            template=f"campaigns/{campaign.pk}/test",
        )
        record_audit(
            "campaign.test",
            actor=by,
            subject_id=by.pk,
            reason=f"campaign {campaign.name}: test copy to its sender"[:255],
            detail=_detail(campaign, message=row.pk, status=row.status),
        )
    return row
