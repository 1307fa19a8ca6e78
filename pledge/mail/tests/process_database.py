"""A database that child processes can open, on the engine of this test run.

pytest's test database is inside a transaction a child
process cannot see, so tests that run ``pledge`` commands as real processes give
them a database of their own: a file under the test's directory on SQLite, or a
database created (and dropped after) on the PostgreSQL server of the test run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg


def pg_connection(settings_dict: dict[str, Any], dbname: str) -> dict[str, Any]:
    """psycopg's arguments for ``dbname`` on the test run's PostgreSQL server."""
    return {
        "dbname": dbname,
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"] or None,
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "autocommit": True,
    }


@contextmanager
def process_database(tmp_path: Path, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The URL of a fresh, empty database called ``name``, and the test run's settings."""
    from django.db import connection

    settings_dict = dict(connection.settings_dict)
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / name}.sqlite3", settings_dict
        return
    s = settings_dict
    auth = quote(s["USER"]) + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    url = f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"
    with psycopg.connect(**pg_connection(settings_dict, "postgres")) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url, settings_dict
    finally:
        with psycopg.connect(**pg_connection(settings_dict, "postgres")) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
