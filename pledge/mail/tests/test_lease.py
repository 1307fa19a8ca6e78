"""A worker that dies loses nothing: its expired lease is taken over and the mail resent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from pledge.mail import transport
from pledge.mail.delivery import claim_due, count_attempts, deliver_due, mark_sent
from pledge.mail.models import OutboundMessage
from pledge.policy.models import AuditEvent


def _lease_expires(row: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=row.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )


def test_a_worker_dying_after_the_server_accepted_leads_to_a_resend_with_the_same_message_id(
    smtp_sink, make_person, queue_notice
):
    row = queue_notice(make_person())
    # Worker "dead" claims the row and gets it out, then dies before recording it.
    _, [claimed] = claim_due(limit=10, worker_id="dead")
    with transport.Connection() as connection:
        connection.send(transport.build(claimed, site_name="ContactGenie"))
    _lease_expires(row)

    result = deliver_due(worker_id="alive")

    row.refresh_from_db()
    assert [d.outcome for d in result.deliveries] == ["sent"]
    ids = [received.message["Message-ID"] for received in smtp_sink.messages]
    assert ids == [row.message_id, row.message_id]
    # The dead worker's claim is a reclaim, not an attempt: only this send counts.
    assert (row.status, row.attempts, row.reclaims, row.leased_by) == ("sent", 1, 1, "")
    assert AuditEvent.objects.get(action="mail.sent").detail["attempt"] == 1


def test_a_live_lease_is_not_taken_over(smtp_sink, make_person, queue_notice):
    row = queue_notice(make_person())
    claim, _ = claim_due(limit=10, worker_id="busy")

    result = deliver_due(worker_id="other")

    row.refresh_from_db()
    assert (result.deliveries, smtp_sink.messages) == ([], [])
    assert (row.status, row.leased_by) == ("sending", claim)
    assert AuditEvent.objects.filter(action="mail.sent").count() == 0


def test_a_worker_that_lost_its_lease_records_nothing(smtp_sink, make_person, queue_notice):
    row = queue_notice(make_person())
    slow_claim, [stale] = claim_due(limit=10, worker_id="slow")
    _lease_expires(row)
    deliver_due(worker_id="fast")

    # The slow worker comes back with its answer: the row is no longer its own.
    late = mark_sent(stale, slow_claim, transport.Reply(transport.ACCEPTED, 250, "OK"))

    row.refresh_from_db()
    assert late.outcome == "skipped"
    assert (row.status, len(smtp_sink.messages)) == ("sent", 1)
    assert list(row.events.values_list("kind", flat=True)) == ["queued", "sent"]
    assert AuditEvent.objects.filter(action="mail.sent").count() == 1


def test_reclaims_after_crashes_are_not_attempts_and_give_up_on_nothing(
    settings, smtp_sink, make_person, queue_notice
):
    settings.MAIL_MAX_ATTEMPTS = 2
    row = queue_notice(make_person())
    # Five workers claim it and die before they reach it: more crashes than attempts allowed.
    for n in range(5):
        claim_due(limit=10, worker_id=f"crash-{n}")
        _lease_expires(row)

    result = deliver_due(worker_id="survivor")

    row.refresh_from_db()
    assert [d.outcome for d in result.deliveries] == ["sent"]
    assert (row.status, row.attempts, row.reclaims) == ("sent", 1, 5)
    assert [r.message["Message-ID"] for r in smtp_sink.messages] == [row.message_id]
    assert AuditEvent.objects.get(action="mail.sent").detail["attempt"] == 1


def test_a_message_handed_over_up_to_the_limit_without_an_answer_is_set_aside(
    settings, smtp_sink, make_person, queue_notice
):
    settings.MAIL_MAX_ATTEMPTS = 2
    row = queue_notice(make_person())
    # Twice a worker hands it to the server (the attempt is counted) and dies with
    # it in hand: a message that kills its worker is not tried forever.
    for worker in ("crash-1", "crash-2"):
        claim, claimed = claim_due(limit=10, worker_id=worker)
        assert count_attempts(claimed, claim) == {row.pk}
        _lease_expires(row)

    result = deliver_due(worker_id="survivor")

    row.refresh_from_db()
    assert [d.outcome for d in result.deliveries] == ["failed"]
    assert (row.status, row.attempts, row.reclaims) == ("failed", 2, 2)
    assert row.last_error == "gave up after 2 attempts"
    assert smtp_sink.messages == []
    assert AuditEvent.objects.get(action="mail.failed").subject_id == row.person_id
