"""C9: a campaign reaches exactly the people the gate lets us mail for its list's purpose."""

from __future__ import annotations

from pledge.campaigns.models import CampaignMessage
from pledge.campaigns.sending import expand_campaign, start_campaign
from pledge.mail.models import OutboundMessage
from pledge.policy.consent import record_consent
from pledge.rights.deactivation import deactivate_person


def test_only_opted_in_verified_active_people_get_an_outbox_row(
    make_person, make_subscriber, subscribe, make_campaign
):
    opted_in = make_subscriber("in@example.com")
    make_person("never@example.com")
    withdrawn = make_subscriber("withdrawn@example.com")
    record_consent(
        withdrawn,
        "newsletter",
        granted=False,
        via="form",
        collection_point="mailing_lists",
        site="contactgenie",
    )
    deactivated = make_subscriber("deactivated@example.com")
    deactivate_person(deactivated, via="test")
    unverified = make_person("unverified@example.com", email_verified_at=None)
    subscribe(unverified)
    campaign = make_campaign()
    start_campaign(campaign, by=None)

    expansion = expand_campaign(campaign)

    rows = OutboundMessage.objects.all()
    assert [(row.to_address, row.purpose, row.status) for row in rows] == [
        ("in@example.com", "newsletter", "queued")
    ]
    assert expansion.written == 1
    assert expansion.done is True
    assert list(CampaignMessage.objects.values_list("person_id", "message_id")) == [
        (opted_in.pk, rows[0].pk)
    ]
