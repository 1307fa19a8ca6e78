"""Workers racing for the same due messages never send one twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.policy.models import AuditEvent


def _race(workers: list[str]) -> list[int]:
    """Run deliver_due for each worker at once (PostgreSQL) or in turn (SQLite).

    SQLite has one writer at a time, so concurrent claims there are sequential
    anyway; PostgreSQL gets real threads, each with its own connection.
    """
    delivered: list[int] = []
    if connection.vendor != "postgresql":
        for worker in workers:
            delivered += [d.message for d in deliver_due(limit=4, worker_id=worker).deliveries]
        return delivered
    start = threading.Barrier(len(workers))

    def work(worker: str) -> None:
        try:
            start.wait()
            while result := deliver_due(limit=4, worker_id=worker).deliveries:
                delivered.extend(d.message for d in result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return delivered


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_each_message_once(smtp_sink, make_person, queue_notice):
    rows = [queue_notice(make_person()) for _ in range(8)]

    delivered = _race(["worker-a", "worker-b"])

    assert sorted(delivered) == sorted(row.pk for row in rows)
    sent_ids = sorted(received.message["Message-ID"] for received in smtp_sink.messages)
    assert sent_ids == sorted(row.message_id for row in rows)
    assert set(OutboundMessage.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert AuditEvent.objects.filter(action="mail.sent").count() == 8
