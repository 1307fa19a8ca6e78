"""Scheduled campaigns start from the worker's periodic job when due, and not before."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from pledge.campaigns.models import Campaign
from pledge.campaigns.sending import run_due_campaigns, schedule_campaign
from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.policy.models import AuditEvent


def test_the_worker_runs_the_campaign_job_every_fifteen_seconds():
    assert settings.PERIODIC_JOBS["pledge.campaigns.sending.run_due_campaigns"] == 15


def test_a_scheduled_campaign_does_not_start_before_its_time(
    make_subscriber, make_campaign, staff_member
):
    make_subscriber()
    campaign = make_campaign()
    schedule_campaign(campaign, timezone.now() + timedelta(minutes=5), by=staff_member)

    run_due_campaigns()

    assert Campaign.objects.get(pk=campaign.pk).status == "scheduled"
    assert OutboundMessage.objects.count() == 0


def test_a_due_campaign_starts_is_expanded_and_once_delivered_is_sent(
    make_subscriber, make_campaign, staff_member, smtp_sink
):
    make_subscriber()
    make_subscriber()
    campaign = make_campaign()
    schedule_campaign(campaign, timezone.now() + timedelta(minutes=5), by=staff_member)
    Campaign.objects.filter(pk=campaign.pk).update(
        scheduled_at=timezone.now() - timedelta(seconds=1)
    )

    run_due_campaigns()
    started = Campaign.objects.get(pk=campaign.pk)
    deliver_due()
    run_due_campaigns()

    assert (started.status, started.expanded_at is not None) == ("sending", True)
    assert OutboundMessage.objects.filter(status="sent").count() == 2
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"
    start = AuditEvent.objects.get(action="campaign.start")
    assert (start.actor_label, start.detail["old"]) == ("", "scheduled")


def test_a_due_campaign_whose_promotion_is_over_goes_back_to_draft(
    make_subscriber, make_campaign, promotion, staff_member
):
    make_subscriber()
    promotion["promo_ends_at"] = timezone.now() + timedelta(minutes=10)
    promotion["promo_starts_at"] = timezone.now() - timedelta(days=1)
    campaign = make_campaign(**promotion)
    schedule_campaign(campaign, timezone.now() + timedelta(minutes=5), by=staff_member)
    Campaign.objects.filter(pk=campaign.pk).update(
        promo_ends_at=timezone.now() - timedelta(seconds=1)
    )

    run_due_campaigns()

    assert Campaign.objects.get(pk=campaign.pk).status == "scheduled"
    Campaign.objects.filter(pk=campaign.pk).update(
        scheduled_at=timezone.now() - timedelta(seconds=1)
    )
    run_due_campaigns()
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"
    assert OutboundMessage.objects.count() == 0
    event = AuditEvent.objects.get(action="campaign.unschedule")
    assert event.reason.endswith("change the dates or remove the promotion)")
