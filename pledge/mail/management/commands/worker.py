"""``pledge worker``: deliver the outbox, until told to stop."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

from pledge.mail import transport
from pledge.mail.delivery import default_worker_id, deliver_due

logger = logging.getLogger("pledge.mail.worker")


class Command(BaseCommand):
    help = (
        "Deliver due outbox messages in a loop (one log line per message). "
        "SIGTERM or SIGINT finishes the chunk of messages in hand, then exits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one pass and exit")
        parser.add_argument(
            "--idle", type=float, default=1.0, help="seconds to sleep when nothing is due"
        )
        parser.add_argument("--batch", type=int, default=None, help="messages claimed per pass")
        parser.add_argument("--worker-id", default="", help="name in leases (host:pid)")

    def handle(
        self, *args: Any, once: bool, idle: float, batch: int | None, worker_id: str, **options: Any
    ) -> None:
        worker_id = worker_id or default_worker_id()
        stop = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            # Only set the flag: the chunk in hand is finished before the loop ends.
            stop.set()

        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        jobs = {path: 0.0 for path in settings.PERIODIC_JOBS}
        # SMTP sessions kept open from pass to pass, ended with QUIT when the worker stops.
        pool = transport.Pool(settings.MAIL_CONNECTIONS)
        try:
            logger.info("worker %s: delivering", worker_id)
            while not stop.is_set():
                if not once:
                    run_due_jobs(jobs, worker_id)
                # A long-running process: drop a broken or expired database
                # connection between passes, as Django does between requests; but
                # never inside a caller's transaction (a test's), which is not ours.
                if not connection.in_atomic_block:
                    close_old_connections()
                try:
                    result = deliver_due(
                        limit=batch, worker_id=worker_id, should_stop=stop.is_set, pool=pool
                    )
                except Exception:
                    if once:
                        raise
                    # Keep running: the pass's rows return when their lease expires,
                    # and a row that fails every time is set aside at the attempt limit.
                    logger.exception("worker %s: the pass failed", worker_id)
                    stop.wait(max(idle, 1.0) * 10)
                    continue
                if once:
                    break
                if result.unavailable:
                    # The server is down: wait longer than when idle, without spinning.
                    stop.wait(max(idle, 1.0) * 10)
                elif not result.deliveries:
                    stop.wait(idle)
        finally:
            pool.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("worker %s: stopped", worker_id)


def run_due_jobs(last_run: dict[str, float], worker_id: str) -> None:
    """Run the periodic jobs of settings.PERIODIC_JOBS that are due (retention, ...).

    Named by dotted path so the mail worker depends on no other app; each job is
    safe to run on several workers at once.
    """
    now = time.monotonic()
    for path, every in settings.PERIODIC_JOBS.items():
        if last_run[path] and now - last_run[path] < every:
            continue
        last_run[path] = now
        try:
            import_string(path)()
        except Exception:
            logger.exception("worker %s: periodic job %s failed", worker_id, path)
