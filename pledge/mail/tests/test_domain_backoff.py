"""A destination domain that answers 4xx is left alone for a while; others go on (issue 7).

Chunks of one message (one session, marked after each message) so a refusal is
recorded before the next message of the batch is looked at, as with a busy queue.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F

from pledge.mail.delivery import deliver_due
from pledge.mail.models import DomainBackoff, OutboundMessage
from pledge.policy.models import AuditEvent

THROTTLED = "421 4.7.0 Too many messages, slow down"


@pytest.fixture
def one_by_one(settings):
    settings.MAIL_CONNECTIONS, settings.MAIL_MARK_EVERY = 1, 1
    settings.MAIL_DOMAIN_BACKOFF_SECONDS = 60
    settings.MAIL_DOMAIN_BACKOFF_MAX_SECONDS = 150
    settings.MAIL_RETRY_BASE_SECONDS = 30


def _time_passes(seconds: int) -> None:
    """Move every wait ``seconds`` into the past: the domains' and the messages'."""
    gone = timedelta(seconds=seconds)
    DomainBackoff.objects.update(until=F("until") - gone)
    OutboundMessage.objects.update(next_attempt_at=F("next_attempt_at") - gone)


def _state(*rows: OutboundMessage) -> list[tuple[str, int]]:
    by_pk = dict(OutboundMessage.objects.values_list("pk", "status"))
    attempts = dict(OutboundMessage.objects.values_list("pk", "attempts"))
    return [(by_pk[row.pk], attempts[row.pk]) for row in rows]


def test_a_421_defers_the_domains_other_mail_uncounted_while_other_domains_go_out(
    one_by_one, smtp_sink, make_person, queue_notice
):
    busy = [queue_notice(make_person(f"p{i}@busy.example")) for i in range(3)]
    calm = [queue_notice(make_person(f"q{i}@calm.example")) for i in range(2)]
    smtp_sink.answer_next(THROTTLED, at="RCPT")

    result = deliver_due()

    outcomes = {d.message: d.outcome for d in result.deliveries}
    assert [outcomes[row.pk] for row in busy + calm] == ["deferred"] * 3 + ["sent"] * 2
    assert _state(*busy, *calm) == [("queued", 1), ("queued", 0), ("queued", 0)] + [("sent", 1)] * 2
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["q0@calm.example"], ["q1@calm.example"]]
    backoff = DomainBackoff.objects.get()
    assert (backoff.domain, backoff.failures, backoff.last_code) == ("busy.example", 1, 421)
    first = busy[0].events.get(kind="deferred")
    assert backoff.until - first.at == timedelta(seconds=60)
    shown = f"busy.example deferred until {backoff.until:%Y-%m-%d %H:%M:%S} UTC"
    assert first.detail == f"{THROTTLED}; {shown}"
    held = busy[1].events.get(kind="deferred")
    assert (held.attempt, held.detail) == (0, f"not tried: {shown} after a 421")
    busy[1].refresh_from_db()
    assert busy[1].next_attempt_at == backoff.until
    reasons = AuditEvent.objects.filter(action="mail.deferred").values_list("reason", flat=True)
    assert sorted(reasons) == [
        "account: not tried, its domain is deferred",
        "account: not tried, its domain is deferred",
        "account: temporary failure 421",
    ]


def test_the_claim_skips_a_deferred_domain_until_its_time_then_success_clears_it(
    one_by_one, smtp_sink, make_person, queue_notice
):
    first = queue_notice(make_person("a@busy.example"))
    smtp_sink.answer_next(THROTTLED, at="RCPT")
    deliver_due()
    later = queue_notice(make_person("b@busy.example"))
    queued_at = OutboundMessage.objects.get(pk=later.pk).next_attempt_at

    waiting = deliver_due()
    _time_passes(59)
    still_waiting = deliver_due()
    _time_passes(1)
    again = deliver_due()

    assert waiting.deliveries == still_waiting.deliveries == []
    later.refresh_from_db()
    assert later.events.filter(kind="deferred").count() == 0
    assert later.next_attempt_at == queued_at - timedelta(seconds=60)
    assert sorted(d.outcome for d in again.deliveries) == ["sent", "sent"]
    assert _state(first, later) == [("sent", 2), ("sent", 1)]
    assert not DomainBackoff.objects.exists()


def test_the_wait_grows_with_each_failure_in_a_row_up_to_the_cap(
    one_by_one, smtp_sink, make_person, queue_notice
):
    row = queue_notice(make_person("a@busy.example"))
    waits = []
    for _ in range(3):
        smtp_sink.answer_next(THROTTLED, at="RCPT")
        deliver_due()
        backoff = DomainBackoff.objects.get()
        waits.append(backoff.until - row.events.latest("at", "id").at)
        _time_passes(int(waits[-1].total_seconds()))

    assert waits == [timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=150)]
    assert DomainBackoff.objects.get().failures == 3
    assert [d.outcome for d in deliver_due().deliveries] == ["sent"]
    assert not DomainBackoff.objects.exists()
    assert _state(row) == [("sent", 4)]


def test_a_permanent_failure_does_not_defer_the_domain(
    one_by_one, smtp_sink, make_person, queue_notice
):
    bounced = queue_notice(make_person("gone@busy.example"))
    delivered = queue_notice(make_person("here@busy.example"))
    smtp_sink.answer_next("550 5.1.1 No such mailbox here", at="RCPT")

    result = deliver_due()

    assert [d.outcome for d in result.deliveries] == ["failed", "sent"]
    assert _state(bounced, delivered) == [("failed", 1), ("sent", 1)]
    assert not DomainBackoff.objects.exists()


def test_the_recipient_domain_is_written_lower_cased_at_enqueue(make_person, queue_notice):
    row = queue_notice(make_person("Ada@Mixed.Example"))

    assert OutboundMessage.objects.get(pk=row.pk).recipient_domain == "mixed.example"


def test_the_domains_queued_backlog_is_moved_to_its_time_and_other_domains_are_not(
    one_by_one, smtp_sink, make_person, queue_notice
):
    first = queue_notice(make_person("a@busy.example"))
    backlog = queue_notice(make_person("b@busy.example"))
    other = queue_notice(make_person("c@calm.example"))
    before = dict(OutboundMessage.objects.values_list("pk", "next_attempt_at"))
    smtp_sink.answer_next(THROTTLED, at="RCPT")

    deliver_due(limit=1)

    until = DomainBackoff.objects.get().until
    after = dict(OutboundMessage.objects.values_list("pk", "next_attempt_at"))
    assert after[backlog.pk] == until
    assert after[other.pk] == before[other.pk]
    assert _state(first, backlog, other) == [("queued", 1), ("queued", 0), ("queued", 0)]
    assert backlog.events.filter(kind="deferred").count() == 0
