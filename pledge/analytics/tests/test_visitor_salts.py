"""The day's salt is kept at most 48 hours, with the marks made under it (C7)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from pledge.analytics.models import CountedVisitors, DailyCount, VisitorSalt
from pledge.analytics.visitors import purge_salts

from .conftest import log_line


def test_salts_older_than_48_hours_are_deleted_with_their_marks(ingest, write_log):
    ingest(write_log([log_line("10.0.0.1", 0, "/")]))
    marks_before = CountedVisitors.objects.count()

    purge_salts(timezone.now() + timedelta(hours=49))

    assert (marks_before > 0, VisitorSalt.objects.count(), CountedVisitors.objects.count()) == (
        True,
        0,
        0,
    )


def test_a_salt_younger_than_48_hours_is_kept(ingest, write_log):
    ingest(write_log([log_line("10.0.0.1", 0, "/")]))

    purge_salts(timezone.now() + timedelta(hours=47))

    assert list(VisitorSalt.objects.values_list("day", flat=True)) == [date(2026, 3, 2)]


def test_a_visitor_seen_again_in_a_later_ingest_of_the_day_is_not_counted_twice(ingest, write_log):
    path = write_log([log_line("10.0.0.1", 0, "/")])
    ingest(path)
    write_log([log_line("10.0.0.1", 7200, "/")])

    ingest(path)

    site = DailyCount.objects.get(dimension="site")
    assert (site.hits, site.visitors) == (2, 1)


def test_the_worker_purges_salts_every_hour(settings):
    assert settings.PERIODIC_JOBS["pledge.analytics.visitors.purge_salts"] == 3600
