"""List mail carries its way out: a visible link in both parts and RFC 2369/8058/2919 headers."""

from __future__ import annotations

import pytest

from pledge.lib.signing import read_token
from pledge.mail import lists
from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import MissingOptOutLink, enqueue
from pledge.mail.transport import unsubscribe_address, unsubscribe_token_of
from pledge.people.verification import enqueue_verification


@pytest.fixture
def https(settings):
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", ""


def _received_newsletter(smtp_sink, person, queue_notice):
    row = queue_notice(person, purpose="newsletter")
    deliver_due()
    return row, smtp_sink.messages[-1].message


def test_a_newsletter_received_over_smtp_has_the_list_headers(
    https, smtp_sink, subscribed, queue_notice
):
    person = subscribed()

    row, received = _received_newsletter(smtp_sink, person, queue_notice)

    token = row.unsubscribe_token
    mailbox = f"unsubscribe+{row.token}@claxton.localhost"
    assert received["List-Unsubscribe"] == (
        f"<https://contactgenie.localhost/mail/unsubscribe/{token}/>, <mailto:{mailbox}>"
    )
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["List-Id"] == '"News & Special Offers" <news.claxton.localhost>'
    # The token names the message that carries it, so an opt-out counts for it.
    assert read_token("unsubscribe", token, max_age=None) == f"{person.pk}:newsletter::{row.token}"


def test_the_header_lines_stay_plain_text_however_long_the_token(
    https, smtp_sink, subscribed, queue_notice
):
    person = subscribed()

    row, _ = _received_newsletter(smtp_sink, person, queue_notice)

    raw = smtp_sink.messages[-1].data
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" not in head  # not turned into encoded words
    assert max(len(line) for line in head.split(b"\r\n")) < 998
    assert head.count(b"\r\nList-Unsubscribe: <https://") == 1


def test_a_verification_mail_has_no_list_headers(smtp_sink, make_person):
    person = make_person(email_verified_at=None)
    enqueue_verification(person, site="contactgenie")

    deliver_due()

    received = smtp_sink.messages[-1].message
    assert [received[h] for h in ("List-Unsubscribe", "List-Unsubscribe-Post", "List-Id")] == [
        None,
        None,
        None,
    ]
    assert "Unsubscribe" not in received.get_body(("plain",)).get_content()


def test_the_opt_out_link_is_visible_in_both_parts(https, smtp_sink, subscribed, queue_notice):
    person = subscribed()

    row, received = _received_newsletter(smtp_sink, person, queue_notice)

    url = f"https://contactgenie.localhost/mail/unsubscribe/{row.unsubscribe_token}/"
    text = received.get_body(("plain",)).get_content().splitlines()
    html = received.get_body(("html",)).get_content()
    assert text.count(f"Unsubscribe: {url}") == 1
    assert text.count("You get this mail because you subscribed to News & Special Offers.") == 1
    assert html.count(f'<a href="{url}"') == 1
    assert "because you subscribed to News &amp; Special Offers" in html


def test_a_products_list_is_named_per_product(
    https, monkeypatch, smtp_sink, make_person, mail_link
):
    person = make_person()
    monkeypatch.setattr(lists, "owned_products", lambda p: frozenset({"contactgenie-pro"}))
    lists.request_subscription(person, "product_updates", site="claxton", scope="contactgenie-pro")
    confirm = mail_link(OutboundMessage.objects.get().body_text, "lists:confirm")
    lists.confirm_subscription(confirm.split("/")[-2], site="claxton")
    row = enqueue(
        person=person,
        purpose="product_updates",
        scope="contactgenie-pro",
        template="test/notice",
        site="claxton",
    )

    deliver_due()

    received = smtp_sink.messages[-1].message
    assert received["List-Id"] == (
        '"Product updates" <contactgenie-pro.product_updates.claxton.localhost>'
    )
    assert read_token("unsubscribe", row.unsubscribe_token, max_age=None) == (
        f"{person.pk}:product_updates:contactgenie-pro:{row.token}"
    )


def test_a_list_mail_whose_template_drops_the_opt_out_link_is_refused(make_person):
    person = make_person()

    with pytest.raises(MissingOptOutLink):
        enqueue(
            person=person,
            purpose="newsletter",
            template="test/notice",
            site="contactgenie",
            # A template cannot hide the link by blanking its variable: the check
            # is on the rendered parts.
            context={"unsubscribe_url": ""},
        )

    assert OutboundMessage.objects.count() == 0


def test_the_mailto_mailbox_fits_rfc_5321_and_names_the_message():
    token = "0123456789abcdef0123456789abcdef"

    local = unsubscribe_address(token).split("@")[0]

    assert len(local) <= 64
    assert unsubscribe_token_of(local) == token
