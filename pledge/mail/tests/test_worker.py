"""``pledge worker`` delivers the outbox, one log line per message, and stops cleanly."""

from __future__ import annotations

import logging
import os
import signal

import pytest
from django.core.management import call_command

from pledge.mail.catcher import Sink, start_server
from pledge.mail.models import OutboundMessage
from pledge.policy.models import AuditEvent


def test_worker_once_delivers_what_is_due_and_logs_each_message(
    caplog, smtp_sink, make_person, queue_notice
):
    rows = [queue_notice(make_person()) for _ in range(2)]
    caplog.set_level(logging.INFO, logger="pledge.mail")

    call_command("worker", "--once", "--worker-id", "test-worker")

    lines = [r.getMessage() for r in caplog.records if r.name == "pledge.mail.delivery"]
    assert lines == [
        f"message {row.pk} to #{row.person_id} (account, test/notice) attempt 1: "
        "sent 250 Message accepted for delivery"
        for row in rows
    ]
    assert len(smtp_sink.messages) == 2
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert AuditEvent.objects.filter(action="mail.sent").count() == 2


class StopAfterFirstMessage(Sink):
    """Accepts a message, then sends this process SIGTERM, as a service manager would."""

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        os.kill(os.getpid(), signal.SIGTERM)
        return reply


@pytest.fixture
def stopping_server(settings):
    sink = StopAfterFirstMessage()
    controller = start_server(sink, host="127.0.0.1", port=0)
    settings.SMTP_HOST, settings.SMTP_PORT = "127.0.0.1", controller.port
    settings.SMTP_STARTTLS, settings.SMTP_USER = False, ""
    yield sink
    controller.stop()


def test_sigterm_finishes_the_chunk_in_hand_and_puts_the_rest_back(
    settings, stopping_server, make_person, queue_notice
):
    # A chunk: two messages over one session; SIGTERM comes with the first's DATA.
    settings.MAIL_CONNECTIONS, settings.MAIL_MARK_EVERY = 1, 2
    first, second, third = (queue_notice(make_person()) for _ in range(3))

    call_command("worker", "--idle", "0.1")

    for row in (first, second, third):
        row.refresh_from_db()
    received = [r.message["Message-ID"] for r in stopping_server.messages]
    assert received == [first.message_id, second.message_id]
    assert (first.status, second.status) == ("sent", "sent")
    assert (third.status, third.attempts, third.leased_by) == ("queued", 0, "")
    assert sorted(
        AuditEvent.objects.filter(action="mail.sent").values_list("detail__message", flat=True)
    ) == [first.pk, second.pk]
