"""Webhook delivery: sign each event as Stripe does, POST it, retry on failure.

The ledger (``deliveries``, one row per event; ``attempts``, one per try) is in
the sandbox's database, so deliveries left pending when the process stopped
resume when it starts again. A 2xx answer delivers; any other status or a
connection error schedules the next try after the configured delay, and after
the last delay the delivery is marked failed. Delivery is at least once, as
Stripe's: a crash between the POST and the ledger update sends the event again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request

from sandbox_processor.processor import Processor

log = logging.getLogger("sandbox_processor.delivery")
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """``Stripe-Signature``: ``t=<unix time>,v1=<HMAC-SHA256 of "t.payload">``.

    The key is the whole ``whsec_…`` string, as Stripe's libraries use it.
    """
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_event(
    url: str, payload: bytes, secret: str, timeout: float
) -> tuple[int | None, str | None]:
    """POST one signed payload: (HTTP status, None) or (None, connection error)."""
    request = urllib.request.Request(  # noqa: S310 (the configured endpoint is http or https)
        url,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": signature_header(payload, secret, int(time.time())),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read(65536)
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, None
    except (OSError, urllib.error.URLError) as error:
        return None, f"{type(error).__name__}: {error}"


def deliver_due(sandbox: Processor) -> int:
    """Try every delivery whose time has come, once; the number tried."""
    store = sandbox.store
    due = (
        store.connection()
        .execute(
            "SELECT event_id, url, attempts FROM deliveries"
            " WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 50",
            (time.time(),),
        )
        .fetchall()
    )
    for row in due:
        event = store.find(row["event_id"])
        if event is None:
            continue
        payload = json.dumps(event, indent=2).encode()
        started = time.monotonic()
        status, error = post_event(
            row["url"], payload, sandbox.config.webhook_secret, sandbox.config.delivery_timeout
        )
        record_attempt(
            sandbox, row["event_id"], row["url"], row["attempts"] + 1, status, error, started
        )
    return len(due)


def record_attempt(
    sandbox: Processor,
    event_id: str,
    url: str,
    number: int,
    status: int | None,
    error: str | None,
    started: float,
) -> None:
    delivered = status is not None and 200 <= status < 300
    schedule = sandbox.config.retry_schedule
    if delivered:
        state, next_at = "delivered", None
    elif number <= len(schedule):
        state, next_at = "pending", time.time() + schedule[number - 1]
    else:
        state, next_at = "failed", None
    with sandbox.store.write() as db:
        db.execute(
            "INSERT INTO attempts (event_id, number, url, at, status, error, duration_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event_id,
                number,
                url,
                time.time(),
                status,
                error,
                int((time.monotonic() - started) * 1000),
            ),
        )
        db.execute(
            "UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ? WHERE event_id = ?",
            (state, number, next_at, event_id),
        )
        if state != "pending":
            event = sandbox.store.find(event_id)
            if event is not None:
                sandbox.store.save({**event, "pending_webhooks": 0})
    log.info("event %s attempt %d: %s", event_id, number, status or error)


def next_due_in(sandbox: Processor) -> float | None:
    row = (
        sandbox.store.connection()
        .execute("SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE state = 'pending'")
        .fetchone()
    )
    return None if row["at"] is None else max(0.0, row["at"] - time.time())


def run_deliveries(sandbox: Processor, stop: threading.Event) -> None:
    """The delivery thread: deliver what is due, sleep until the next is, or new work."""
    while not stop.is_set():
        sandbox.delivery_wakeup.clear()  # before looking, so no new event is missed
        try:
            deliver_due(sandbox)
            wait = next_due_in(sandbox)
        except Exception:  # a bad row must not stop every later delivery
            log.exception("delivery round failed")
            wait = 1.0
        sandbox.delivery_wakeup.wait(timeout=min(wait if wait is not None else 5.0, 5.0))
