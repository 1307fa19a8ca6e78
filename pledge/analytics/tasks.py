"""The worker's analytics jobs: ingest the access logs, delete raw logs past retention (C7)."""

from __future__ import annotations

import glob
import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from pledge.policy.loaded import configured_declaration

from .ingest import ingest_file

log = logging.getLogger(__name__)


def access_log_files() -> list[Path]:
    """Every file matching ``ACCESS_LOGS``, oldest first (rotated files before the live one)."""
    found = {Path(name) for pattern in settings.ACCESS_LOGS for name in glob.glob(pattern)}
    return sorted((p for p in found if p.is_file()), key=lambda p: (p.stat().st_mtime, p.name))


def ingest_access_logs() -> int:
    """Count what is new in every access log; returns the lines read.

    Each file resumes from its checkpoint, so running this every 15 minutes counts
    each line once.
    """
    lines = 0
    for path in access_log_files():
        result = ingest_file(path)
        lines += result.lines
        if result.lines:
            log.info(
                "%s: %d lines, %d page views, %d malformed",
                path,
                result.lines,
                result.page_views,
                result.malformed.count,
            )
    return lines


def raw_log_days() -> int:
    days: int = configured_declaration().data["retention"]["raw_logs"]["days"]
    return days


def purge_raw_logs(now: datetime | None = None) -> list[Path]:
    """Delete raw log files not written to for longer than the declared retention.

    A file is ingested first, so nothing in it goes uncounted; only then deleted.
    """
    cutoff = (now or timezone.now()) - timedelta(days=raw_log_days())
    deleted = []
    for path in access_log_files():
        if datetime.fromtimestamp(path.stat().st_mtime, cutoff.tzinfo) < cutoff:
            ingest_file(path)
            path.unlink()
            deleted.append(path)
            log.info("deleted raw log %s, older than %d days", path, raw_log_days())
    return deleted
