"""The status pipeline: draft → scheduled → sending → sent, paused and back; each move audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pledge.campaigns.exceptions import CampaignLocked, CampaignRefused, CampaignStateError
from pledge.campaigns.models import Campaign
from pledge.campaigns.sending import (
    expand_campaign,
    finish_if_done,
    pause_campaign,
    resume_campaign,
    save_campaign,
    schedule_campaign,
    start_campaign,
    unschedule_campaign,
)
from pledge.mail.delivery import deliver_due
from pledge.policy.models import AuditEvent


def trail(campaign: Campaign) -> list[tuple[str, str, str, str]]:
    """The campaign's audit rows: (action, actor, old status, new status)."""
    return [
        (e.action, e.actor_label, e.detail.get("old", ""), e.detail.get("new", ""))
        for e in AuditEvent.objects.filter(action__startswith="campaign.").order_by("id")
        if e.detail.get("campaign") == campaign.pk
    ]


def test_a_draft_goes_through_schedule_pause_resume_start_and_is_sent(
    make_subscriber, make_campaign, staff_member, smtp_sink
):
    make_subscriber()
    campaign = make_campaign(by=staff_member)
    me = f"#{staff_member.pk}"

    schedule_campaign(campaign, timezone.now() + timedelta(hours=1), by=staff_member)
    pause_campaign(campaign, by=staff_member)
    resume_campaign(campaign, by=staff_member)
    start_campaign(campaign, by=staff_member)
    expand_campaign(campaign)
    deliver_due()
    finished = finish_if_done(campaign)

    assert finished is True
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"
    assert trail(campaign) == [
        ("campaign.add", me, "", ""),
        ("campaign.schedule", me, "draft", "scheduled"),
        ("campaign.pause", me, "scheduled", "paused"),
        ("campaign.resume", me, "paused", "scheduled"),
        ("campaign.start", me, "scheduled", "sending"),
        ("campaign.expand", "", "", ""),
        ("campaign.sent", "", "sending", "sent"),
    ]


def test_a_campaign_paused_while_sending_resumes_to_sending(make_campaign, staff_member):
    campaign = make_campaign()
    start_campaign(campaign, by=staff_member)
    pause_campaign(campaign, by=staff_member)

    resume_campaign(campaign, by=staff_member)

    assert Campaign.objects.get(pk=campaign.pk).status == "sending"


@pytest.mark.parametrize(
    ("status", "move"),
    [
        ("draft", "pause"),
        ("draft", "resume"),
        ("sending", "start"),
        ("paused", "start"),
        ("paused", "schedule"),
        ("sending", "unschedule"),
        ("sent", "pause"),
        ("sent", "start"),
    ],
)
def test_an_impossible_move_raises_and_changes_nothing(make_campaign, staff_member, status, move):
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    campaign.refresh_from_db()
    actions = {
        "schedule": lambda c, by: schedule_campaign(c, timezone.now() + timedelta(hours=1), by=by),
        "pause": pause_campaign,
        "resume": resume_campaign,
        "start": start_campaign,
        "unschedule": unschedule_campaign,
    }
    before = AuditEvent.objects.count()

    with pytest.raises(CampaignStateError) as refused:
        actions[move](campaign, by=staff_member)

    assert refused.value.current == status
    assert Campaign.objects.get(pk=campaign.pk).status == status
    assert AuditEvent.objects.count() == before


def test_a_sent_campaign_is_not_finished_twice(make_campaign):
    campaign = make_campaign()
    start_campaign(campaign, by=None)
    expand_campaign(campaign)
    finish_if_done(campaign)

    again = finish_if_done(campaign)

    assert again is False
    assert AuditEvent.objects.filter(action="campaign.sent").count() == 1


def test_only_a_draft_can_be_edited(make_campaign, staff_member):
    campaign = make_campaign()
    schedule_campaign(campaign, timezone.now() + timedelta(hours=1), by=staff_member)
    campaign.subject = "Changed after scheduling"

    with pytest.raises(CampaignLocked):
        save_campaign(campaign, by=staff_member, changed_fields=["subject"])

    assert Campaign.objects.get(pk=campaign.pk).subject == "News for {{ first_name }}"


def test_editing_a_draft_audits_the_fields_changed(make_campaign, staff_member):
    campaign = make_campaign()
    campaign.subject = "Hello {{ first_name }}"

    saved = save_campaign(campaign, by=staff_member, changed_fields=["subject", "status"])

    event = AuditEvent.objects.filter(action="campaign.change").get()
    assert saved == ["subject"]
    assert (event.actor_id, event.detail["fields"]) == (staff_member.pk, ["subject"])


def test_a_time_in_the_past_cannot_be_scheduled(make_campaign, staff_member):
    campaign = make_campaign()

    with pytest.raises(CampaignRefused) as refused:
        schedule_campaign(campaign, timezone.now() - timedelta(minutes=1), by=staff_member)

    assert str(refused.value) == "choose a time in the future, or send it now"
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"
