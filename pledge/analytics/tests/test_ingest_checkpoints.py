"""Each log file is counted once: re-ingesting, growing, rotating and gzip (C7)."""

from __future__ import annotations

import shutil
from datetime import date

from pledge.analytics.models import DailyCount, LogCheckpoint
from pledge.analytics.report import report

from .conftest import DATA, log_line


def totals() -> list[tuple[str, str, str, int, int]]:
    return sorted(DailyCount.objects.values_list("site", "dimension", "value", "hits", "visitors"))


def test_the_real_log_is_read_with_its_one_truncated_line_set_aside(ingest, tmp_path):
    path = tmp_path / "apache_logs"
    shutil.copy(DATA / "apache_logs", path)

    result = ingest(path)

    assert (
        result.lines,
        result.requests,
        result.malformed.count,
        result.page_views,
        result.bot_requests,
        sorted(result.days),
    ) == (
        10000,
        9999,
        1,
        1604,
        3208,
        [date(2015, 5, 17), date(2015, 5, 18), date(2015, 5, 19), date(2015, 5, 20)],
    )
    assert result.malformed.examples[0].startswith("46.118.127.106 - - [20/May/2015:12:05:17")
    site = report("contactgenie", date(2015, 5, 17), date(2015, 5, 20), "site")
    assert [(r.hits, r.visitors) for r in site.rows] == [(1604, 942)]


def test_ingesting_the_same_file_twice_counts_it_once(ingest, tmp_path):
    path = tmp_path / "apache_logs"
    shutil.copy(DATA / "apache_logs", path)
    ingest(path)
    before = totals()

    again = ingest(path)

    assert (again.lines, again.requests, totals()) == (0, 0, before)


def test_a_grown_file_counts_only_the_new_lines(ingest, write_log):
    path = write_log([log_line("10.0.0.1", 0, "/"), log_line("10.0.0.2", 5, "/")])
    ingest(path)
    write_log([log_line("10.0.0.3", 10, "/"), log_line("10.0.0.1", 20, "/products/")])

    grown = ingest(path)

    assert (grown.lines, grown.fresh) == (2, False)
    assert (DailyCount.objects.filter(dimension="site").values_list("hits", "visitors").get()) == (
        4,
        3,
    )


def test_a_line_still_being_written_waits_for_the_next_ingest(ingest, write_log):
    path = write_log([log_line("10.0.0.1", 0, "/"), log_line("10.0.0.2", 5, "/").rstrip("\n")])

    first = ingest(path)
    write_log(["\n"])
    second = ingest(path)

    assert (first.lines, second.lines) == (1, 1)


def test_a_rotated_file_under_the_same_name_starts_fresh(ingest, write_log, tmp_path):
    path = write_log([log_line("10.0.0.1", 0, "/")])
    ingest(path)
    path.rename(tmp_path / "access.log.1")
    write_log([log_line("10.0.0.2", 60, "/")])

    rotated = ingest(path)

    assert (rotated.fresh, rotated.lines, LogCheckpoint.objects.count()) == (True, 1, 2)


def test_a_gzip_file_is_read_and_not_counted_twice(ingest, write_log):
    path = write_log(
        [log_line("10.0.0.1", 0, "/"), log_line("10.0.0.2", 5, "/").rstrip("\n")],
        "access.log.2.gz",
        gz=True,
    )

    first = ingest(path)
    second = ingest(path)

    assert (first.lines, first.page_views, second.lines) == (2, 2, 0)
