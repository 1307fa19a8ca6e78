"""Raw log files are counted, then deleted after the declared retention (C7)."""

from __future__ import annotations

import os
from datetime import timedelta

from django.utils import timezone

from pledge.analytics.models import DailyCount
from pledge.analytics.tasks import ingest_access_logs, purge_raw_logs, raw_log_days

from .conftest import log_line


def age(path, days: float) -> None:
    when = (timezone.now() - timedelta(days=days)).timestamp()
    os.utime(path, (when, when))


def test_files_older_than_the_retention_are_counted_then_deleted(db, settings, tmp_path):
    settings.ACCESS_LOGS = [str(tmp_path / "access-*.log")]
    old = tmp_path / "access-2026-01-01.log"
    old.write_text(log_line("10.0.0.1", 0, "/"))
    age(old, raw_log_days() + 1)
    recent = tmp_path / "access-2026-03-02.log"
    recent.write_text(log_line("10.0.0.2", 60, "/"))
    age(recent, raw_log_days() - 1)

    deleted = purge_raw_logs()

    assert (raw_log_days(), deleted, sorted(p.name for p in tmp_path.iterdir())) == (
        30,
        [old],
        ["access-2026-03-02.log"],
    )
    assert DailyCount.objects.get(dimension="site").hits == 1


def test_the_worker_ingests_every_log_once_and_purges_hourly(db, settings, tmp_path):
    settings.ACCESS_LOGS = [str(tmp_path / "access-*.log"), str(tmp_path / "nginx.log*")]
    (tmp_path / "access-2026-03-02.log").write_text(log_line("10.0.0.1", 0, "/"))
    (tmp_path / "nginx.log.1").write_text(log_line("10.0.0.2", 5, "/"))

    first, second = ingest_access_logs(), ingest_access_logs()

    assert (first, second, DailyCount.objects.get(dimension="site").hits) == (2, 0, 2)
    assert (
        settings.PERIODIC_JOBS["pledge.analytics.tasks.ingest_access_logs"],
        settings.PERIODIC_JOBS["pledge.analytics.tasks.purge_raw_logs"],
    ) == (900, 3600)
