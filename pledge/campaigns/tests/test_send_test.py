"""A test copy goes to the member of staff who asked, and to no one else."""

from __future__ import annotations

from pledge.campaigns.models import CampaignMessage
from pledge.campaigns.sending import send_test
from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.policy.models import AuditEvent


def test_the_test_copy_goes_to_the_staff_member_only(
    make_subscriber, make_campaign, staff_member, smtp_sink
):
    make_subscriber("subscriber@example.com")
    campaign = make_campaign(body_html="<p>Hello {{ first_name }}</p>")

    row = send_test(campaign, by=staff_member)
    deliver_due()

    assert [m.rcpt_tos for m in smtp_sink.messages] == [["marketer@claxton.localhost"]]
    assert smtp_sink.messages[0].message["Subject"] == "[Test] News for Mara"
    row.refresh_from_db()
    assert (row.purpose, row.status, row.person_id) == ("staff_test_mail", "sent", staff_member.pk)
    assert OutboundMessage.objects.count() == 1
    assert CampaignMessage.objects.count() == 0
    event = AuditEvent.objects.get(action="campaign.test")
    assert (event.actor_id, event.subject_id, event.detail["message"]) == (
        staff_member.pk,
        staff_member.pk,
        row.pk,
    )
