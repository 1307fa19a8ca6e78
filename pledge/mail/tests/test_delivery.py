"""Delivering a queued message over a real SMTP conversation."""

from __future__ import annotations

import re

from django.conf import settings

from pledge.lib.signing import read_token
from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import enqueue, site_base_url
from pledge.policy.models import AuditEvent

# The signed token of the manage-your-data link (C21).
MANAGE_LINK = re.compile(re.escape(site_base_url("contactgenie")) + r"/my-data/([^/\s\"]+)/")


def test_delivered_message_has_its_headers_envelope_and_both_parts(
    smtp_sink, make_person, queue_notice
):
    person = make_person("ada@example.com", name="Ada Lovelace")
    row = queue_notice(person, note="Your order has shipped.")

    result = deliver_due()

    [received] = smtp_sink.messages
    message = received.message
    row.refresh_from_db()
    assert [(d.message, d.outcome) for d in result.deliveries] == [(row.pk, "sent")]
    assert received.mail_from == f"bounces+{row.token}@{settings.MAIL_DOMAIN}"
    assert received.rcpt_tos == ["ada@example.com"]
    assert message["Message-ID"] == row.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["From"] == f"ContactGenie <{settings.MAIL_FROM_ADDRESS}>"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Subject"] == "A notice for Ada Lovelace from ContactGenie"
    assert message["Date"].datetime == row.created_at.replace(microsecond=0)
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    [text_link] = MANAGE_LINK.findall(text)
    [html_link] = MANAGE_LINK.findall(html)
    assert text_link == html_link
    assert read_token("manage", text_link, max_age=60) == str(person.pk)
    assert (row.status, row.attempts, row.leased_by, row.lease_until) == ("sent", 1, "", None)
    assert row.sent_at is not None


def test_sending_records_an_event_and_an_audit_row(smtp_sink, make_person, queue_notice):
    person = make_person()
    row = queue_notice(person)

    deliver_due()

    assert list(row.events.values_list("kind", "attempt")) == [("queued", 0), ("sent", 1)]
    audit = AuditEvent.objects.get(action="mail.sent")
    assert (audit.subject_id, audit.detail["message"], audit.detail["purpose"]) == (
        person.pk,
        row.pk,
        "account",
    )


def test_text_only_message_goes_as_text_plain_in_utf8(smtp_sink, make_person):
    person = make_person(name="Zoë Ørsted")
    enqueue(person=person, purpose="account", template="test/plain", site="claxton")

    deliver_due()

    [received] = smtp_sink.messages
    message = received.message
    assert (message.get_content_type(), message.get_content_charset()) == ("text/plain", "utf-8")
    assert message["To"] == f"Zoë Ørsted <{person.email}>"
    assert message["From"] == f"Claxton On-line <{settings.MAIL_FROM_ADDRESS}>"
    assert message.get_content().startswith("Only a text part.")
    # Nothing 8-bit on the wire: any relay takes it.
    assert max(received.data) < 128


def test_nothing_due_opens_no_connection_and_sends_nothing(smtp_sink, make_person, queue_notice):
    queue_notice(make_person())
    deliver_due()

    result = deliver_due()

    assert (result.deliveries, len(smtp_sink.messages)) == ([], 1)
    assert OutboundMessage.objects.get().status == "sent"
