"""``pledge mail receive`` and ``pledge mail serve`` as real processes, on a database of their own.

pytest's test database is inside a transaction a child process
cannot see, so these tests give the commands a database they can open: a file on SQLite,
or ``inbound_<pid>`` on the PostgreSQL server of the test run, migrated and with the
policy published by the real commands. The test reads the outcome with plain SQL, and
makes the database unavailable in a real way: on SQLite another connection holds the
write lock (the command waits ``PLEDGE_SQLITE_TIMEOUT`` seconds, then fails); on
PostgreSQL the database stops taking connections and the open ones are terminated, as in
a restart.
"""

from __future__ import annotations

import os
import re
import smtplib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from pledge.mail.tests.process_database import pg_connection, process_database

# The installed command, as the mail server runs it.
PLEDGE = [str(Path(sys.executable).parent / "pledge")]


@dataclass
class InboundDatabase:
    url: str
    var_dir: Path
    settings_dict: dict[str, Any]

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pledge.settings",
            "DATABASE_URL": self.url,
            "PLEDGE_VAR_DIR": str(self.var_dir),
            "PLEDGE_SQLITE_TIMEOUT": "1",
        }

    def run(
        self, *args: str, stdin: bytes = b"", timeout: float = 120
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*PLEDGE, *args], input=stdin, env=self.env(), capture_output=True, timeout=timeout
        )

    def receive(
        self, raw: bytes, sender: str, *recipients: str
    ) -> subprocess.CompletedProcess[bytes]:
        """``pledge mail receive`` as Postfix's pipe runs it: the message on stdin."""
        options = [f"--recipient={r}" for r in recipients]
        return self.run("mail", "receive", f"--sender={sender}", *options, stdin=raw)

    def rows(self) -> list[tuple[Any, ...]]:
        """(raw, mail_from, recipients as text, kind, settled) of every stored message.

        Settled: processed, or its processing failed and the error is on the row for the
        retry (a handler's bug must not lose the mail, and is not the intake's to hide).
        """
        query = (
            "SELECT raw, mail_from, recipients, kind, "
            "processed_at IS NOT NULL OR last_error != '' "
            "FROM mail_inboundmessage ORDER BY id"
        )
        if self.is_sqlite:
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                return [(bytes(r[0]), *r[1:]) for r in db.execute(query)]
        with psycopg.connect(**self._pg(self.name)) as db:
            return [(bytes(r[0]), r[1], str(r[2]), *r[3:]) for r in db.execute(query)]

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[1]

    @contextmanager
    def unavailable(self) -> Iterator[None]:
        """The database cannot take a write until the block ends."""
        if self.is_sqlite:
            holder = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            return
        with psycopg.connect(**self._pg("postgres")) as server:
            server.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
            server.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [self.name],
            )
            try:
                yield
            finally:
                server.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def _pg(self, dbname: str) -> dict[str, Any]:
        return pg_connection(self.settings_dict, dbname)


@contextmanager
def inbound_database(tmp_path: Path) -> Iterator[InboundDatabase]:
    """A migrated database with the policy published, on this run's engine; dropped after."""
    with process_database(tmp_path, f"inbound_{os.getpid()}") as (url, settings_dict):
        database = InboundDatabase(url, tmp_path, settings_dict)
        _prepare(database)
        yield database


def _prepare(database: InboundDatabase) -> None:
    for args in (("migrate", "--noinput"), ("policy", "publish")):
        done = database.run(*args, timeout=300)
        assert done.returncode == 0, done.stderr.decode()


@contextmanager
def serving(database: InboundDatabase) -> Iterator[int]:
    """``pledge mail serve`` on a free port; yields the port, stops it after."""
    log = (database.var_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [*PLEDGE, "mail", "serve", "--host", "127.0.0.1", "--port", "0"],
        env=database.env(),
        stdout=subprocess.PIPE,
        stderr=log,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        match = re.search(r"LMTP listening on [\d.]+:(\d+)", line)
        assert match, (database.var_dir / "serve.log").read_text()
        yield int(match.group(1))
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def lmtp_deliver(port: int, raw: bytes, sender: str, *recipients: str) -> list[int]:
    """Deliver one message over LMTP as a mail server does; the reply code per recipient."""
    client = smtplib.LMTP("127.0.0.1", port, timeout=60)
    try:
        client.ehlo_or_helo_if_needed()
        client.mail(sender)
        for recipient in recipients:
            code, _ = client.rcpt(recipient)
            assert code == 250
        code, _ = client.data(raw)
        codes = [code]
        # RFC 2033: one reply per accepted recipient after DATA; smtplib reads the first.
        codes += [client.getreply()[0] for _ in recipients[1:]]
        client.quit()
        return codes
    finally:
        client.close()


def wait_for(condition: Any, timeout: float = 30) -> None:
    """Poll until ``condition()`` is true (processing follows the LMTP answer)."""
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError("condition not met")
        time.sleep(0.1)
