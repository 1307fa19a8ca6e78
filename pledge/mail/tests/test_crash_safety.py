"""A worker killed at random moments loses no mail, and repeats only what the bound allows.

The guarantee (docs/architecture.md, "Mail"): every message reaches the server at
least once, always with the Message-ID fixed when it was written; a repeat can only
be a message the server accepted but the dead worker had not yet marked sent. A
worker sends a chunk of at most ``MAIL_MARK_EVERY`` messages over each of its
``MAIL_CONNECTIONS`` SMTP sessions and marks the chunk before the next: at most
their product of repeats per kill (5 × 10 = 50 with the defaults, used here).

The attempt limit stays at its default (12): a crash's reclaims are not attempts,
so twenty kills give up on no healthy message.

Real processes, real SIGKILL, a real SMTP conversation: ``pledge worker`` runs as
a child on a database of its own (``worker_processes``), two at a time, each
killed at a random moment of its life and started again.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

from django.conf import settings

from pledge.mail import transport
from pledge.mail.tests.counting_sink import CountingSink
from pledge.mail.tests.worker_processes import campaign_database

RECIPIENTS = 2000
KILLS = 20
# Repeats a kill can cause: SMTP sessions per worker × messages sent per session
# before they are marked. The workers run with the defaults.
REPEATS_PER_KILL = settings.MAIL_CONNECTIONS * settings.MAIL_MARK_EVERY
# Short leases, so the rows a killed worker held come back within the test; every
# other setting is the default, the attempt limit (12) included.
WORKER_SETTINGS = {"mail_lease_seconds": "2"}
# Most seconds a worker lives, once started, before its SIGKILL.
LIFETIME = 2.0
# Messages the server accepts a second, in all: at full speed one worker sends the
# whole campaign while the other is starting again, and the kills would run out of
# mail. At this pace the campaign outlasts twenty restarts.
PACE = 60


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_workers_killed_twenty_times_lose_no_message_and_repeat_within_the_bound(tmp_path):
    chance = random.Random()  # noqa: S311 - random moments, not secrets
    with campaign_database(tmp_path) as database, CountingSink(pace=PACE) as sink:
        filling = time.monotonic()
        database.fill(RECIPIENTS)
        expected = set(database.message_ids)
        started = time.monotonic()
        kills, incarnation = 0, 0
        workers: dict[int, str] = {}

        def start(slot: int) -> None:
            nonlocal incarnation
            incarnation += 1
            workers[slot] = f"w{slot}-{incarnation}"
            processes[workers[slot]] = database.start_worker(
                sink.port, workers[slot], **WORKER_SETTINGS
            )

        processes: dict[str, subprocess.Popen[bytes]] = {}
        start(0)
        start(1)
        while kills < KILLS and len(sink.snapshot()) < len(expected):
            slot = kills % 2
            # A random moment once it runs (its log has begun): running its periodic
            # jobs, claiming, sending, or marking.
            assert _wait_until(lambda slot=slot: database.has_started(workers[slot]), 30)
            # On a fast machine, shorter lives: half the campaign is left for the last
            # worker, so every kill comes while there is mail to send.
            left = len(expected) - len(sink.snapshot())
            rate = max(sink.accepted / (time.monotonic() - started), 1.0)
            time.sleep(chance.uniform(0.0, min(LIFETIME, left / (KILLS - kills) / 2 / rate)))
            os.kill(processes[workers[slot]].pid, signal.SIGKILL)
            processes[workers[slot]].wait()
            kills += 1
            start(slot)
        killing = time.monotonic() - started
        killed = sink.snapshot()
        if not database.url.startswith("postgres"):
            # One worker finishes the campaign: on SQLite two wait on each other's writes.
            processes[workers[1]].send_signal(signal.SIGTERM)
        delivered_all = _wait_until(lambda: set(sink.snapshot()) >= expected, timeout=180)
        for slot in workers:
            processes[workers[slot]].send_signal(signal.SIGTERM)
        for worker in processes.values():
            worker.wait(timeout=30)
        elapsed = time.monotonic() - started
        received = sink.snapshot()
        rows = database.rows()

    repeats = sum(received.values()) - len(received)
    print(
        f"\n{RECIPIENTS} messages, {kills} kills, {repeats} repeat(s) "
        f"(bound {REPEATS_PER_KILL * kills}), max attempts {max(row[2] for row in rows)}, "
        f"max reclaims {max(row[3] for row in rows)}, "
        f"{sum(received.values()) / elapsed:.0f} messages/s over {elapsed:.1f} s "
        f"(setup {started - filling:.1f} s, kills {killing:.1f} s, {len(killed)} sent by then)"
    )
    assert kills == KILLS
    assert delivered_all is True
    assert set(received) == expected  # none lost, none under another Message-ID
    assert sink.changed == set()  # a repeat is the same message, byte for byte
    assert repeats <= REPEATS_PER_KILL * kills
    assert {row[1] for row in rows} == {"sent"}


def test_a_message_built_again_for_a_resend_is_the_same_bytes(make_person, queue_notice):
    row = queue_notice(make_person())  # text and HTML: a multipart with a boundary

    first = transport.build(row, site_name="ContactGenie")
    again = transport.build(row, site_name="ContactGenie")

    assert b"multipart/alternative" in first.data
    assert again.data == first.data
