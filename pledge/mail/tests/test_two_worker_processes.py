"""Two ``pledge worker`` processes sending one campaign send each message once.

Real processes on a database of their own (``worker_processes``): the claim is a
conditional UPDATE, so it holds on SQLite, where ``FOR UPDATE SKIP LOCKED`` does
nothing, as well as on PostgreSQL, where the two really claim at the same moment.
"""

from __future__ import annotations

import signal
import time

from pledge.mail.tests.counting_sink import CountingSink
from pledge.mail.tests.worker_processes import campaign_database

RECIPIENTS = 500


def test_two_worker_processes_share_a_campaign_and_send_no_message_twice(tmp_path):
    with campaign_database(tmp_path) as database, CountingSink() as sink:
        database.fill(RECIPIENTS)
        expected = set(database.message_ids)
        # Held back until both run: one worker alone sends 500 messages in well under
        # the second one's start-up.
        database.move_messages("queued", "held-for-test")
        workers = [database.start_worker(sink.port, name) for name in ("first", "second")]
        deadline = time.monotonic() + 60
        while not all(map(database.has_started, ("first", "second"))):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        database.move_messages("held-for-test", "queued")
        while set(sink.snapshot()) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        received = sink.snapshot()
        shares = [database.sent_by("first"), database.sent_by("second")]
        rows = database.rows()

    print(f"\n{len(expected)} messages; the workers sent {shares[0]} and {shares[1]}")
    assert set(received) == expected
    assert max(received.values()) == 1
    assert sum(shares) == RECIPIENTS
    assert min(shares) > 0
    assert {row[1] for row in rows} == {"sent"}
