"""The running sandbox: its configuration, database, clock and event emitter.

Actions (``checkout``, ``payments``) take a ``Processor`` and change objects
through it; every change a vendor hears about goes through ``emit``, which
writes the event and its delivery in the same transaction as the change, so
a crash after the change still delivers the event (and a crash before loses
both).
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from dataclasses import dataclass
from typing import Any

from sandbox_processor.config import Config
from sandbox_processor.store import Store

# The API version the sandbox's objects are shaped after (Stripe's, at the SDK pin).
API_VERSION = "2026-10-28.endive"
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id: ``cs_test_a1B2…``, ``pi_3Nx…``, ``evt_1Nx…``."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class RequestInfo:
    """The API request an event came from (``event.request``); none for the card page."""

    id: str | None = None
    idempotency_key: str | None = None


NO_REQUEST = RequestInfo()


class Processor:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = Store(config.db)
        # Set when there is new work for the delivery thread.
        self.delivery_wakeup = threading.Event()

    def now(self) -> int:
        return int(time.time())

    def now_precise(self) -> float:
        return time.time()

    @property
    def base_url(self) -> str:
        return self.config.base_url

    def emit(
        self, type: str, obj: dict[str, Any], request: RequestInfo = NO_REQUEST
    ) -> dict[str, Any]:
        """Record an event about ``obj`` and queue it for the webhook endpoint."""
        url = self.config.webhook_url
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1 if url else 0,
            "request": {"id": request.id, "idempotency_key": request.idempotency_key},
            "type": type,
        }
        with self.store.write() as db:
            self.store.insert(event)
            if url:
                db.execute(
                    "INSERT INTO deliveries (event_id, url, state, next_attempt_at)"
                    " VALUES (?, ?, 'pending', ?)",
                    (event["id"], url, time.time()),
                )
            # Woken before the commit, the delivery thread would not see the row yet.
            self.store.on_commit(self.delivery_wakeup.set)
        return event
