"""The demo's campaigns: a draft with a promotion, and one sent to the news list's subscribers."""

from __future__ import annotations

from pledge.campaigns.demo import seed_campaigns
from pledge.campaigns.models import Campaign
from pledge.campaigns.sending import run_due_campaigns
from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.site.demo import seed_customers
from pledge.staff.demo import create_demo_staff


def test_the_demo_has_a_draft_and_a_campaign_the_worker_sends(policy, smtp_sink):
    seed_customers()
    create_demo_staff()

    added = seed_campaigns()
    again = seed_campaigns()
    deliver_due()
    run_due_campaigns()

    assert added == ["Autumn news 2026", "ContactGenie 9 Professional launch offer"]
    assert again == []
    statuses = dict(Campaign.objects.values_list("name", "status"))
    assert statuses == {
        "Autumn news 2026": "sent",
        "ContactGenie 9 Professional launch offer": "draft",
    }
    assert sorted(OutboundMessage.objects.values_list("to_address", flat=True)) == [
        "ada@example.com",
        "grace@example.com",
    ]
    assert sorted(m.message["Subject"] for m in smtp_sink.messages) == [
        "ContactGenie news for Ada",
        "ContactGenie news for Grace",
    ]
    draft = Campaign.objects.get(status="draft")
    assert (draft.created_by.email, draft.has_promotion) == ("marketing@claxton.localhost", True)
