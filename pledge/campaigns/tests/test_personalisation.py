"""Each recipient's copy is filled in for them; CSS becomes style attributes; the offer's end is stated."""

from __future__ import annotations

import re

from pledge.campaigns.personalisation import compile_campaign
from pledge.campaigns.sending import expand_campaign, start_campaign
from pledge.lib.signing import read_token
from pledge.mail.models import OutboundMessage

MANAGE_LINK = re.compile(r"http://contactgenie\.localhost:8000/my-data/([^/\s]+)/")


def manage_links(text: str) -> list[str]:
    """Whom each manage-your-data link in ``text`` acts for (their account number)."""
    return [read_token("manage", token, max_age=60) for token in MANAGE_LINK.findall(text)]


STYLED = (
    "<style>h1 { color: #c2410c; } p.lead { font-weight: bold; }</style>"
    '<h1>Hello {{ first_name }}</h1><p class="lead">ContactGenie 9 is out.</p>'
)


def test_each_recipient_gets_their_own_name_and_manage_link(make_subscriber, make_campaign):
    ada = make_subscriber(name="Ada Lovelace")
    grace = make_subscriber(name="Grace Hopper")
    campaign = make_campaign(body_html="<p>Dear {{ name }}</p>")
    start_campaign(campaign, by=None)

    expand_campaign(campaign)

    rows = {row.person_id: row for row in OutboundMessage.objects.all()}
    assert rows[ada.pk].subject == "News for Ada"
    assert rows[grace.pk].subject == "News for Grace"
    assert rows[ada.pk].body_text.startswith("Hello Ada,\n\nContactGenie 9 is out.")
    assert rows[grace.pk].body_html.count("<p>Dear Grace Hopper</p>") == 1
    assert manage_links(rows[ada.pk].body_text) == [str(ada.pk)]
    assert manage_links(rows[grace.pk].body_text) == [str(grace.pk)]


def test_a_style_rule_becomes_a_style_attribute_and_the_style_block_goes(
    make_subscriber, make_campaign
):
    person = make_subscriber(name="Ada Lovelace")
    campaign = make_campaign(body_html=STYLED)

    rendered = compile_campaign(campaign).render(
        person, links={"manage_url": "https://m.example/x"}
    )

    assert rendered.html.count('<h1 style="color: #c2410c;">Hello Ada</h1>') == 1
    assert rendered.html.count('<p class="lead" style="font-weight: bold;">') == 1
    assert rendered.html.count("<style") == 0


def test_names_are_escaped_in_html_and_plain_in_text(make_subscriber, make_campaign):
    person = make_subscriber(name="Dara O'Brien <3")
    campaign = make_campaign(body_html="<p>Hi {{ name }}</p>")

    rendered = compile_campaign(campaign).render(
        person, links={"manage_url": "https://m.example/x"}
    )

    assert rendered.subject == "News for Dara"
    assert rendered.text.startswith("Hello Dara,")
    assert rendered.html.count("<p>Hi Dara O'Brien &lt;3</p>") == 1


def test_the_mail_states_the_offer_and_until_when(make_subscriber, make_campaign, promotion):
    person = make_subscriber()
    campaign = make_campaign(
        body_html="<p>Save now.</p>",
        body_text="Save now, until {{ promotion.ends }}.",
        **promotion,
    )

    rendered = compile_campaign(campaign).render(
        person, links={"manage_url": "https://m.example/x"}
    )

    assert rendered.text.startswith("Save now, until 1 December 2026, 23:59 UTC.\n")
    assert (
        rendered.text.count(
            "ContactGenie 9 Professional: $49.00\nOffer ends 1 December 2026, 23:59 UTC."
        )
        == 1
    )
    assert rendered.html.count("Offer ends 1 December 2026, 23:59 UTC.") == 1


def test_a_template_cannot_include_another(make_campaign):
    campaign = make_campaign()
    campaign.body_text = '{% include "mail/base.txt" %}'

    from django.core.exceptions import ValidationError

    try:
        campaign.full_clean()
    except ValidationError as refused:
        errors = refused.message_dict
    assert list(errors) == ["body_text"]


def test_the_layout_is_rendered_once_and_each_copy_gets_its_own_links(
    make_subscriber, make_campaign
):
    ada = make_subscriber(name="Ada Lovelace")
    grace = make_subscriber(name="Grace Hopper")
    compiled = compile_campaign(make_campaign(body_html="<p>Hi {{ first_name }}</p>"))

    a = compiled.render(
        ada,
        links={"manage_url": "https://m.example/a?x=1&y=2", "open_url": "https://o.example/a.gif"},
    )
    b = compiled.render(
        grace, links={"manage_url": "https://m.example/b", "open_url": "https://o.example/b.gif"}
    )

    assert len(compiled.skeletons) == 1
    assert a.text.count("https://m.example/a?x=1&y=2") == 1
    assert a.html.count('href="https://m.example/a?x=1&amp;y=2"') == 1
    assert a.html.count('src="https://o.example/a.gif"') == 1
    assert b.html.count("<p>Hi Grace</p>") == 1
    assert b.html.count('src="https://o.example/b.gif"') == 1
    assert (b.text + b.html).count("m.example/a") == 0
