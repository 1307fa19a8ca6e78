"""The report counts a campaign's messages by what became of them, and refusals by reason."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from pledge.campaigns.report import campaign_report
from pledge.campaigns.sending import expand_campaign, pause_campaign, start_campaign
from pledge.conftest import find_link
from pledge.mail.delivery import deliver_due
from pledge.mail.lists import unsubscribe
from pledge.mail.models import OutboundMessage
from pledge.mail.opens import record_open
from pledge.policy.consent import record_consent
from pledge.policy.models import ConsentState


def withdraw(person):
    record_consent(
        person,
        "newsletter",
        granted=False,
        via="form",
        collection_point="mailing_lists",
        site="contactgenie",
    )


def test_sent_refused_failed_and_deferred_are_counted(make_subscriber, make_campaign, smtp_sink):
    people = [make_subscriber(f"p{i}@example.com") for i in range(5)]
    campaign = make_campaign()
    start_campaign(campaign, by=None)
    expand_campaign(campaign)
    # Two change their mind before the worker sends: the gate refuses at send time.
    withdraw(people[0])
    withdraw(people[1])
    smtp_sink.answer_next("550 5.1.1 No such user", at="RCPT")
    smtp_sink.answer_next("451 4.3.0 Try again later", at="RCPT")

    deliver_due()
    report = campaign_report(campaign)

    assert report.recipients == 5
    assert report.counts == {
        "queued": 0,
        "deferred": 1,
        "held": 0,
        "sent": 1,
        "refused": 2,
        "failed": 1,
    }
    assert report.refusals == [("consent was withdrawn", 2)]
    assert [(bar.key, bar.percent) for bar in report.bars()] == [
        ("queued", 0.0),
        ("deferred", 20.0),
        ("held", 0.0),
        ("sent", 20.0),
        ("refused", 40.0),
        ("failed", 20.0),
    ]


def test_a_paused_campaigns_queued_messages_count_as_held(make_subscriber, make_campaign):
    make_subscriber()
    make_subscriber()
    campaign = make_campaign()
    start_campaign(campaign, by=None)
    expand_campaign(campaign)

    pause_campaign(campaign, by=None)
    report = campaign_report(campaign)

    assert (report.recipients, report.counts["held"], report.counts["queued"]) == (2, 2, 0)


def test_while_recipients_are_written_the_report_gives_the_audience(make_subscriber, make_campaign):
    for _ in range(3):
        make_subscriber()
    campaign = make_campaign()
    start_campaign(campaign, by=None)
    expand_campaign(campaign, batch=2, max_batches=1)

    report = campaign_report(campaign)

    assert (report.recipients, report.audience, report.counts["queued"]) == (2, 3, 2)


def test_opens_are_counted_from_each_messages_clear_gif(make_subscriber, make_campaign, smtp_sink):
    make_subscriber()
    make_subscriber()
    campaign = make_campaign(body_html="<p>Hello {{ first_name }}</p>")
    start_campaign(campaign, by=None)
    expand_campaign(campaign)
    deliver_due()
    first = OutboundMessage.objects.order_by("pk").first()

    record_open(first.open_token)
    record_open(first.open_token)
    report = campaign_report(campaign)

    assert (report.counts["sent"], report.opened, report.opens) == (2, 1, 2)


def _one_click(path):
    # As a mail program sends it: no cookie, no CSRF token, the RFC 8058 body.
    return Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )


def _header_path(received):
    """The path of the https URL in a received message's List-Unsubscribe header."""
    url = received.message["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    return urlsplit(url).path


def test_opt_outs_from_a_campaigns_own_links_are_counted_exactly(
    make_subscriber, make_campaign, smtp_sink
):
    people = [make_subscriber(f"u{i}@example.com") for i in range(5)]
    campaign = make_campaign()
    start_campaign(campaign, by=None)
    expand_campaign(campaign)
    deliver_due()
    received = {r.message["To"].addresses[0].addr_spec: r for r in smtp_sink.messages}
    rows = {row.person_id: row for row in OutboundMessage.objects.all()}

    # One by the one-click header, one by the button behind the visible link.
    _one_click(_header_path(received["u0@example.com"]))
    Client().post(find_link(rows[people[1].pk].body_text, "lists:unsubscribe"))
    # The same header again: already off the list, so not a second opt-out.
    _one_click(_header_path(received["u0@example.com"]))
    # From the account page: no message named, so no campaign's.
    unsubscribe(people[2], "newsletter", via="form", site="contactgenie")
    report = campaign_report(campaign)

    assert report.unsubscribed == 2
    marked = OutboundMessage.objects.filter(unsubscribed_at__isnull=False)
    assert sorted(marked.values_list("person_id", flat=True)) == [people[0].pk, people[1].pk]
    assert [
        ConsentState.objects.get(person=person, purpose="newsletter").granted for person in people
    ] == [False, False, False, True, True]


def test_an_opt_out_counts_for_the_campaign_whose_message_carried_it(
    make_subscriber, make_campaign, smtp_sink
):
    reader = make_subscriber("reader@example.com")
    autumn, winter = make_campaign(name="Autumn news"), make_campaign(name="Winter news")
    for campaign in (autumn, winter):
        start_campaign(campaign, by=None)
        expand_campaign(campaign)
    deliver_due()
    autumn_row = OutboundMessage.objects.get(campaign_link__campaign=autumn)

    _one_click(find_link(autumn_row.body_text, "lists:unsubscribe"))

    assert (campaign_report(autumn).unsubscribed, campaign_report(winter).unsubscribed) == (1, 0)
    assert ConsentState.objects.get(person=reader, purpose="newsletter").granted is False
