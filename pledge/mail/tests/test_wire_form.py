"""The wire form ``transport.build`` writes is MIME the ``email`` package reads back as written."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest

from pledge.mail import transport
from pledge.mail.catcher import Sink, start_server
from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage


def _parsed(row, **kwargs):
    return message_from_bytes(transport.build(row, **kwargs).data, policy=default)


def test_a_text_and_html_message_reads_back_as_written(make_person, queue_notice):
    row = queue_notice(make_person(name="Zoë O'Brien, Jr."), note="Café = 5 €.\n.leading dot")

    parsed = _parsed(row, site_name="Claxton Café")

    assert parsed["From"].addresses[0].display_name == "Claxton Café"
    assert parsed["To"].addresses[0].display_name == "Zoë O'Brien, Jr."
    assert parsed["To"].addresses[0].addr_spec == row.to_address
    assert (parsed["Subject"], parsed["Message-ID"]) == (row.subject, row.message_id)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_content_type() == "multipart/alternative"
    # The wire's line ends are CRLF; the text is the same line for line.
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = parsed.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert text.splitlines() == row.body_text.splitlines()
    assert html.splitlines() == row.body_html.splitlines()


def test_no_line_is_longer_than_998_octets_and_no_byte_is_8bit(make_person, queue_notice):
    row = queue_notice(make_person(), note="ö" * 2000 + " " + "x" * 3000)

    data = transport.build(row, site_name="ContactGenie").data

    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert data.isascii() is True
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_a_long_or_non_ascii_subject_is_folded_and_encoded(make_person, queue_notice):
    row = queue_notice(make_person())
    OutboundMessage.objects.filter(pk=row.pk).update(subject="Grüße " * 30)
    row.refresh_from_db()

    data = transport.build(row, site_name="ContactGenie").data
    parsed = message_from_bytes(data, policy=default)

    assert parsed["Subject"] == ("Grüße " * 30).strip()
    head = data.partition(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78  # RFC 5322's SHOULD


@pytest.fixture
def plain_server(settings):
    """An SMTP server that does not offer PIPELINING."""
    sink = Sink(pipelining=False)
    controller = start_server(sink, host="127.0.0.1", port=0)
    settings.SMTP_HOST, settings.SMTP_PORT = "127.0.0.1", controller.port
    settings.SMTP_STARTTLS, settings.SMTP_USER = False, ""
    yield sink
    controller.stop()


def test_without_pipelining_each_message_goes_one_command_at_a_time(
    plain_server, make_person, queue_notice
):
    rows = [queue_notice(make_person()) for _ in range(3)]
    plain_server.answer_next("451 4.3.0 Try again later", at="RCPT")

    with transport.Pool(2) as pool:
        connection = pool.open()[0]
        result = deliver_due(pool=pool)

    assert connection.pipelining is False
    assert [d.outcome for d in result.deliveries] == ["deferred", "sent", "sent"]
    received = [r.message["Message-ID"] for r in plain_server.messages]
    assert received == [rows[1].message_id, rows[2].message_id]


def test_with_pipelining_a_refusal_mid_stream_spoils_no_other_message(
    smtp_sink, make_person, queue_notice
):
    rows = [queue_notice(make_person()) for _ in range(6)]
    smtp_sink.answer_next("550 5.1.1 No such mailbox here", at="RCPT")
    smtp_sink.answer_next("554 5.7.1 Message rejected", at="DATA")

    with transport.Pool(2) as pool:
        connection = pool.open()[0]
        result = deliver_due(pool=pool)

    outcomes = [d.outcome for d in result.deliveries]
    assert connection.pipelining is True
    assert sorted(outcomes) == ["failed", "failed", "sent", "sent", "sent", "sent"]
    sent = {r.message["Message-ID"] for r in smtp_sink.messages}
    assert sent == {row.message_id for row, o in zip(rows, outcomes, strict=True) if o == "sent"}


def test_a_refusal_that_ends_a_batch_does_not_spoil_the_sessions_next_batch(
    smtp_sink, make_person, queue_notice
):
    """The worker keeps its sessions from pass to pass: the RSET a failed
    transaction owes is sent before the next batch's first message."""
    refused = queue_notice(make_person())
    smtp_sink.answer_next("550 5.1.1 No such mailbox here", at="RCPT")

    with transport.Pool(1) as pool:
        first = deliver_due(pool=pool)
        accepted = queue_notice(make_person())
        second = deliver_due(pool=pool)

    assert [d.outcome for d in first.deliveries + second.deliveries] == ["failed", "sent"]
    assert [r.message["Message-ID"] for r in smtp_sink.messages] == [accepted.message_id]
    assert refused.message_id != accepted.message_id
