"""Temporary failures are retried with a growing wait; permanent ones are given up."""

from __future__ import annotations

import socket
from datetime import timedelta

from django.utils import timezone

from pledge.mail.delivery import deliver_due
from pledge.mail.models import DomainBackoff, OutboundMessage
from pledge.policy.models import AuditEvent


def _time_passes(row: OutboundMessage) -> None:
    """The retry wait is over: the message's own, and its domain's."""
    OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    DomainBackoff.objects.filter(domain=row.recipient_domain).update(until=timezone.now())


def test_451_then_250_retries_after_the_base_wait_with_the_same_message_id(
    settings, smtp_sink, make_person, queue_notice
):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    row = queue_notice(make_person())
    smtp_sink.answer_next("451 4.3.0 Try again later")

    first = deliver_due()
    row.refresh_from_db()
    deferred = row.events.get(kind="deferred")
    not_yet = deliver_due()
    _time_passes(row)
    second = deliver_due()

    assert [d.outcome for d in first.deliveries] == ["deferred"]
    assert deferred.attempt == 1
    assert deferred.detail.startswith("451 4.3.0 Try again later; example.com deferred until ")
    assert row.next_attempt_at - deferred.at == timedelta(seconds=60)
    assert row.last_error == "451 4.3.0 Try again later"
    assert not_yet.deliveries == []
    assert [d.outcome for d in second.deliveries] == ["sent"]
    [refused], [accepted] = smtp_sink.refused, smtp_sink.messages
    assert refused.message["Message-ID"] == accepted.message["Message-ID"] == row.message_id
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    audit = AuditEvent.objects.get(action="mail.deferred")
    assert (audit.subject_id, audit.reason) == (row.person_id, "account: temporary failure 451")
    assert AuditEvent.objects.filter(action="mail.sent").count() == 1


def test_the_wait_doubles_up_to_the_cap_and_the_last_attempt_gives_up(
    settings, smtp_sink, make_person, queue_notice
):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    settings.MAIL_RETRY_MAX_SECONDS = 90
    settings.MAIL_MAX_ATTEMPTS = 3
    row = queue_notice(make_person())
    waits = []
    for _ in range(3):
        smtp_sink.answer_next("421 4.7.0 Too busy, come back later", at="RCPT")
        deliver_due()
        row.refresh_from_db()
        if row.status == "queued":
            waits.append(row.next_attempt_at - row.events.latest("at", "id").at)
            _time_passes(row)

    assert waits == [timedelta(seconds=60), timedelta(seconds=90)]
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error == "gave up after 3 attempts: 421 4.7.0 Too busy, come back later"
    assert list(row.events.values_list("kind", flat=True)) == [
        "queued",
        "deferred",
        "deferred",
        "failed",
    ]
    assert smtp_sink.messages == []
    assert AuditEvent.objects.get(action="mail.failed").reason == "account: failed permanently 421"


def test_550_fails_at_once_with_the_servers_reply(smtp_sink, make_person, queue_notice):
    row = queue_notice(make_person())
    smtp_sink.answer_next("550 5.1.1 No such mailbox here", at="RCPT")

    result = deliver_due()

    row.refresh_from_db()
    assert [d.outcome for d in result.deliveries] == ["failed"]
    assert (row.status, row.attempts) == ("failed", 1)
    assert (row.last_error, row.reason) == (
        "550 5.1.1 No such mailbox here",
        "the mail could not be delivered",
    )
    assert (smtp_sink.messages, smtp_sink.refused) == ([], [])
    audit = AuditEvent.objects.get(action="mail.failed")
    assert (audit.subject_id, audit.reason) == (row.person_id, "account: failed permanently 550")


def test_a_refused_message_does_not_spoil_the_next_in_the_session(
    smtp_sink, make_person, queue_notice
):
    bounced = queue_notice(make_person())
    delivered = queue_notice(make_person())
    smtp_sink.answer_next("554 5.7.1 Message rejected", at="DATA")

    deliver_due()

    statuses = dict(OutboundMessage.objects.values_list("pk", "status"))
    assert statuses == {bounced.pk: "failed", delivered.pk: "sent"}
    assert [r.message["Message-ID"] for r in smtp_sink.messages] == [delivered.message_id]


def test_server_down_puts_the_batch_back_untried(settings, make_person, queue_notice):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.SMTP_HOST, settings.SMTP_PORT = "127.0.0.1", closed.getsockname()[1]
    first, second = queue_notice(make_person()), queue_notice(make_person())

    result = deliver_due()

    assert result.deliveries == []
    assert result.unavailable.startswith("cannot open an SMTP session with 127.0.0.1:")
    rows = OutboundMessage.objects.filter(pk__in=[first.pk, second.pk])
    assert sorted(rows.values_list("status", "attempts", "leased_by")) == [("queued", 0, "")] * 2
    assert AuditEvent.objects.filter(action__startswith="mail.").count() == 0


def test_an_address_the_wire_cannot_carry_is_set_aside_at_once(
    smtp_sink, make_person, queue_notice
):
    row = queue_notice(make_person("zoë@example.com"))

    result = deliver_due()

    row.refresh_from_db()
    assert [d.outcome for d in result.deliveries] == ["failed"]
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == (
        "cannot build the message: the address is not ASCII, which needs SMTPUTF8; "
        "Pledge does not send it"
    )
    assert smtp_sink.messages == []
    assert AuditEvent.objects.get(action="mail.failed").reason == "account: failed permanently"
