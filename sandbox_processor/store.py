"""The sandbox's own SQLite database: Stripe-shaped objects, idempotency, webhook ledger.

Every object (checkout session, payment intent, charge, refund, event) is one
row holding its JSON exactly as the API answers it, plus a ``private`` JSON
for what Stripe keeps but does not show (a session's line items, a pending
asynchronous outcome). Writes are serialised by one process-wide lock around
``BEGIN IMMEDIATE``: the sandbox serves one demo, and a single writer keeps
idempotency and the delivery ledger simple and exact.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    created INTEGER NOT NULL,
    body TEXT NOT NULL,
    private TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS objects_by_type ON objects (type, created);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    status INTEGER,
    response TEXT,
    request_id TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    event_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    url TEXT NOT NULL,
    at REAL NOT NULL,
    status INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS timers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    due_at REAL NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
"""


class Store:
    """Access to the database file, one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        with self._write_lock:
            self.connection().executescript(SCHEMA)  # executescript commits by itself

    def connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=10000")
            self._local.db = db
        return db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested calls join the outer one."""
        with self._write_lock:
            db = self.connection()
            if db.in_transaction:
                yield db
                return
            self._local.after_commit = []
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            for callback in self._local.after_commit:
                callback()

    def on_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the current write transaction has committed."""
        if not self.connection().in_transaction:
            callback()
            return
        self._local.after_commit.append(callback)

    # Objects -----------------------------------------------------------------

    def insert(self, obj: dict[str, Any], private: dict[str, Any] | None = None) -> None:
        with self.write() as db:
            db.execute(
                "INSERT INTO objects (id, type, created, body, private) VALUES (?, ?, ?, ?, ?)",
                (
                    obj["id"],
                    obj["object"],
                    obj["created"],
                    json.dumps(obj),
                    json.dumps(private or {}),
                ),
            )

    def save(self, obj: dict[str, Any], private: dict[str, Any] | None = None) -> None:
        with self.write() as db:
            db.execute("UPDATE objects SET body = ? WHERE id = ?", (json.dumps(obj), obj["id"]))
            if private is not None:
                db.execute(
                    "UPDATE objects SET private = ? WHERE id = ?", (json.dumps(private), obj["id"])
                )

    def get(self, object_id: str, kind: str) -> dict[str, Any] | None:
        row = (
            self.connection()
            .execute("SELECT body FROM objects WHERE id = ? AND type = ?", (object_id, kind))
            .fetchone()
        )
        return None if row is None else json.loads(row["body"])

    def private(self, object_id: str) -> dict[str, Any]:
        row = (
            self.connection()
            .execute("SELECT private FROM objects WHERE id = ?", (object_id,))
            .fetchone()
        )
        return {} if row is None else json.loads(row["private"])

    def find(self, object_id: str) -> dict[str, Any] | None:
        row = (
            self.connection()
            .execute("SELECT body FROM objects WHERE id = ?", (object_id,))
            .fetchone()
        )
        return None if row is None else json.loads(row["body"])

    def latest(
        self, kind: str, limit: int = 100, where: str = "", args: tuple[Any, ...] = ()
    ) -> list[dict[str, Any]]:
        """The newest objects of one type, newest first (``where`` is a fixed SQL clause)."""
        rows = self.connection().execute(
            f"SELECT body FROM objects WHERE type = ? {where} ORDER BY created DESC, rowid DESC LIMIT ?",  # noqa: S608
            (kind, *args, limit),
        )
        return [json.loads(row["body"]) for row in rows]
