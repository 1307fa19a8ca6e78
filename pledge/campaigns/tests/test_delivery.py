"""A small campaign goes out over real SMTP, each copy personalised, with its links."""

from __future__ import annotations

from pledge.campaigns.sending import expand_campaign, finish_if_done, start_campaign
from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage

STYLED = (
    "<style>.hello { color: #0f766e; }</style>"
    '<p class="hello">Hello {{ first_name }},</p><p>ContactGenie 9 is out.</p>'
)


def test_every_subscriber_gets_their_own_copy_over_smtp(
    make_subscriber, make_campaign, promotion, smtp_sink
):
    make_subscriber("ada@example.com", name="Ada Lovelace")
    make_subscriber("grace@example.com", name="Grace Hopper")
    campaign = make_campaign(body_html=STYLED, **promotion)
    start_campaign(campaign, by=None)
    expand_campaign(campaign)

    deliver_due()

    got = {m.rcpt_tos[0]: m.message for m in smtp_sink.messages}
    assert sorted(got) == ["ada@example.com", "grace@example.com"]
    ada = got["ada@example.com"]
    text = ada.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = ada.get_body(("html",)).get_content()
    assert ada["Subject"] == "News for Ada"
    assert text.startswith("Hello Ada,\n\nContactGenie 9 is out.\n")
    assert text.count("Offer ends 1 December 2026, 23:59 UTC.") == 1
    assert html.count('<p class="hello" style="color: #0f766e;">Hello Ada,</p>') == 1
    assert html.count("Offer ends 1 December 2026, 23:59 UTC.") == 1
    assert got["grace@example.com"]["Subject"] == "News for Grace"
    # C16: the list's opt-out link and one-click headers; C8: the message's clear gif.
    assert ada["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert text.count("Unsubscribe: http://contactgenie.localhost:8000/mail/unsubscribe/") == 1
    row = OutboundMessage.objects.get(to_address="ada@example.com")
    assert html.count(f"/o/{row.open_token}.gif") == 1
    assert finish_if_done(campaign) is True
