"""Real worker processes on a database of their own, for the crash and concurrency tests.

pytest's test database is inside a transaction the worker
cannot see, so these tests give ``pledge worker`` a database it can open: a file
under the test's temporary directory on SQLite, or ``crash_<pid>`` created and
dropped on the PostgreSQL server of the test run. ``crash_campaign`` fills it in
its own process; the test reads the outcome with plain SQL.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from pledge.mail.tests.process_database import pg_connection, process_database


@dataclass
class CampaignDatabase:
    """A migrated database holding one expanded campaign, and how to run workers on it."""

    url: str
    var_dir: Path
    settings_dict: dict[str, Any]
    message_ids: list[str] = field(default_factory=list)

    def env(self, smtp_port: int, **settings: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pledge.settings",
            "DATABASE_URL": self.url,
            "PLEDGE_VAR_DIR": str(self.var_dir),
            "PLEDGE_SMTP_HOST": "127.0.0.1",
            "PLEDGE_SMTP_PORT": str(smtp_port),
            "PLEDGE_SMTP_STARTTLS": "false",
            "PLEDGE_SMTP_USER": "",
        }
        env.update({f"PLEDGE_{name.upper()}": value for name, value in settings.items()})
        return env

    def fill(self, recipients: int) -> None:
        """Migrate and write the campaign's recipients (``crash_campaign``), in a child process."""
        done = subprocess.run(
            [sys.executable, "-m", "pledge.mail.tests.crash_campaign", str(recipients)],
            env=self.env(smtp_port=1),
            capture_output=True,
            check=True,
            timeout=120,
        )
        self.message_ids = json.loads(done.stdout)

    def start_worker(self, smtp_port: int, name: str, **settings: str) -> subprocess.Popen[bytes]:
        """``pledge worker`` in its own process; its log goes to ``<var_dir>/<name>.log``."""
        log = (self.var_dir / f"{name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "pledge.cli", "worker", "--idle", "0.1", "--worker-id", name],
            env=self.env(smtp_port, **settings),
            stdout=log,
            stderr=log,
        )

    def rows(self) -> list[tuple[str, str, int, int]]:
        """(message_id, status, attempts, reclaims) of every outbox row."""
        query = "SELECT message_id, status, attempts, reclaims FROM mail_outboundmessage"
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                return list(db.execute(query))
        with psycopg.connect(**self._pg(self.url.rsplit("/", 1)[1])) as db:
            return list(db.execute(query))

    def move_messages(self, from_status: str, to_status: str) -> None:
        """Set the status of every outbox row in ``from_status`` to ``to_status``, in plain SQL.

        A status no worker picks holds the messages back until every worker is up.
        """
        query = "UPDATE mail_outboundmessage SET status = %s WHERE status = %s"
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                db.execute(query.replace("%s", "?"), (to_status, from_status))
            return
        with psycopg.connect(**self._pg(self.url.rsplit("/", 1)[1])) as db:
            db.execute(query, (to_status, from_status))

    def has_started(self, name: str) -> bool:
        """Whether the worker ``name`` is running: Django set up, its first line logged."""
        return (self.var_dir / f"{name}.log").stat().st_size > 0

    def sent_by(self, name: str) -> int:
        """How many messages the worker ``name`` logged as accepted by the server."""
        log = (self.var_dir / f"{name}.log").read_text()
        return sum(1 for line in log.splitlines() if ": sent 250" in line)

    def _pg(self, dbname: str) -> dict[str, Any]:
        return pg_connection(self.settings_dict, dbname)


@contextmanager
def campaign_database(tmp_path: Path) -> Iterator[CampaignDatabase]:
    """A database for worker processes, on the engine this test run uses; dropped after."""
    with process_database(tmp_path, f"crash_{os.getpid()}") as (url, settings_dict):
        yield CampaignDatabase(url, tmp_path, settings_dict)
