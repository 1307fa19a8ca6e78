"""Expansion writes one outbox row per recipient, in batches: crash-safe, pausable, bounded in queries."""

from __future__ import annotations

import pytest

from pledge.campaigns import sending
from pledge.campaigns.models import Campaign, CampaignMessage
from pledge.campaigns.sending import (
    expand_campaign,
    pause_campaign,
    resume_campaign,
    start_campaign,
)
from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import HELD_UNTIL
from pledge.policy.models import AuditEvent


def recipients(campaign: Campaign) -> list[int]:
    return sorted(
        CampaignMessage.objects.filter(campaign=campaign).values_list("person_id", flat=True)
    )


def test_a_crash_inside_a_batch_writes_nothing_and_a_rerun_writes_everyone_once(
    make_subscriber, make_campaign, monkeypatch
):
    people = [make_subscriber().pk for _ in range(5)]
    campaign = make_campaign()
    start_campaign(campaign, by=None)
    expand_campaign(campaign, batch=2, max_batches=1)
    real_audit = sending.record_audit

    def crash(action, **kwargs):
        if action == "campaign.expand":
            raise RuntimeError("the worker died mid-batch")
        return real_audit(action, **kwargs)

    monkeypatch.setattr(sending, "record_audit", crash)
    with pytest.raises(RuntimeError):
        expand_campaign(campaign, batch=2)
    monkeypatch.setattr(sending, "record_audit", real_audit)

    expansion = expand_campaign(campaign, batch=2)

    assert recipients(campaign) == people
    assert OutboundMessage.objects.count() == 5
    assert (expansion.written, expansion.batches, expansion.done) == (3, 2, True)


def test_expanding_again_after_it_is_done_writes_nothing(make_subscriber, make_campaign):
    people = [make_subscriber().pk for _ in range(3)]
    campaign = make_campaign()
    start_campaign(campaign, by=None)
    expand_campaign(campaign)

    again = expand_campaign(campaign)

    assert (again.written, again.stopped) == (0, "paused")
    assert recipients(campaign) == people
    assert OutboundMessage.objects.count() == 3


def test_an_interrupted_expansion_resumes_after_the_last_person_written(
    make_subscriber, make_campaign
):
    people = [make_subscriber().pk for _ in range(5)]
    campaign = make_campaign()
    start_campaign(campaign, by=None)

    first = expand_campaign(campaign, batch=2, max_batches=1)
    written_first = recipients(campaign)
    rest = expand_campaign(campaign, batch=2)

    assert (first.written, first.stopped, first.done) == (2, "budget", False)
    assert written_first == people[:2]
    assert (rest.written, rest.done) == (3, True)
    assert recipients(campaign) == people


def test_pause_stops_expansion_between_batches_and_resume_continues(
    make_subscriber, make_campaign, staff_member
):
    people = [make_subscriber().pk for _ in range(4)]
    campaign = make_campaign()
    start_campaign(campaign, by=staff_member)
    expand_campaign(campaign, batch=2, max_batches=1)

    pause_campaign(campaign, by=staff_member)
    while_paused = expand_campaign(campaign, batch=2)
    held = list(OutboundMessage.objects.values_list("next_attempt_at", flat=True))
    resume_campaign(campaign, by=staff_member)
    after = expand_campaign(campaign, batch=2)

    assert (while_paused.written, while_paused.stopped) == (0, "paused")
    assert held == [HELD_UNTIL, HELD_UNTIL]
    assert (after.written, after.done) == (2, True)
    assert recipients(campaign) == people
    assert OutboundMessage.objects.filter(next_attempt_at=HELD_UNTIL).count() == 0


# The lists in force, read once per call; then one batch, whatever its size:
# savepoint, lock the campaign, the policy in force and the people (the gate as a
# query), the outbox reading the lists and asking the gate again (policy twice,
# people), savepoint, the rows, their events, release, the campaign's links, mark
# it all written, the audit row, release.
QUERIES = 16


@pytest.mark.parametrize("count", [1, 3])
def test_a_batch_costs_the_same_queries_for_one_recipient_or_three(
    count, make_subscriber, make_campaign, django_assert_num_queries
):
    for _ in range(count):
        make_subscriber()
    campaign = make_campaign(body_html="<p>Hello {{ first_name }}</p>")
    start_campaign(campaign, by=None)

    with django_assert_num_queries(QUERIES):
        expansion = expand_campaign(campaign)

    assert (expansion.written, expansion.batches) == (count, 1)
    assert AuditEvent.objects.filter(action="campaign.expand").count() == 1
