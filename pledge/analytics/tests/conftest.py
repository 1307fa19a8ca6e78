"""Fixtures for the analytics tests: log lines written by hand, and ingesting them."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pledge.analytics.ingest import IngestResult, ingest_file

DATA = Path(__file__).parent / "data"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def log_line(
    ip: str = "10.0.0.1",
    at: datetime | int = 0,
    path: str = "/",
    *,
    status: int = 200,
    referrer: str = "-",
    agent: str = CHROME,
    method: str = "GET",
) -> str:
    """One combined-format line; ``at`` is a datetime or seconds after T0."""
    when = at if isinstance(at, datetime) else T0 + timedelta(seconds=at)
    stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} 512 "{referrer}" "{agent}"\n'


@pytest.fixture
def write_log(tmp_path: Path) -> Callable[..., Path]:
    """Write lines to a log file (appending when it exists; gzip when asked)."""

    def write(lines: list[str], name: str = "access.log", *, gz: bool = False) -> Path:
        path = tmp_path / name
        data = "".join(lines).encode()
        if gz:
            path.write_bytes(gzip.compress(data))
        else:
            with path.open("ab") as f:
                f.write(data)
        return path

    return write


@pytest.fixture
def ingest(db: Any) -> Callable[..., IngestResult]:
    def run(path: Path, site: str = "") -> IngestResult:
        return ingest_file(path, site=site)

    return run


@pytest.fixture
def make_staff(policy: Any) -> Callable[..., Any]:
    """A member of staff holding the given roles, as the demo makes them."""
    from django.utils import timezone

    from pledge.people.models import Person
    from pledge.staff.roles import assign_role, sync_roles

    sync_roles()
    made = {"n": 0}

    def make(*role_keys: str) -> Any:
        made["n"] += 1
        person = Person.objects.create_user(
            f"staff{made['n']}@claxton.localhost",
            "staff password 2026",
            point="staff",
            name=f"Staff Member {made['n']}",
            email_verified_at=timezone.now(),
            is_staff=True,
        )
        for key in role_keys:
            assign_role(person, key, by=None)
        return person

    return make
