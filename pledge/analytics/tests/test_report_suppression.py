"""A report never shows a cell built from fewer than k visitors (C7, C13)."""

from __future__ import annotations

from datetime import date

import pytest

from pledge.analytics.models import DailyCount
from pledge.analytics.report import k_anonymity, report

from .conftest import log_line

DAY = date(2026, 3, 2)


def visitors_on(path: str, count: int, first: int) -> list[str]:
    return [log_line(f"10.0.1.{first + i}", i, path) for i in range(count)]


def test_a_cell_of_k_minus_one_visitors_is_suppressed_and_one_of_k_is_shown(ingest, write_log):
    k = k_anonymity()
    path = write_log(visitors_on("/shown/", k, 0) + visitors_on("/hidden/", k - 1, 100))

    ingest(path)
    pages = report("contactgenie", DAY, DAY, "page")

    assert (k, [(r.value, r.hits, r.visitors) for r in pages.rows], pages.suppressed) == (
        5,
        [("/shown/", 5, 5)],
        1,
    )


def test_small_cells_of_several_days_are_not_added_up_into_a_shown_one(ingest, write_log):
    k = k_anonymity()
    lines = [log_line("10.0.2.1", day * 86400, "/rare/") for day in range(k)]
    path = write_log(lines)

    ingest(path)
    pages = report("contactgenie", DAY, date(2026, 3, 2 + k), "page")

    assert (pages.rows, pages.suppressed) == ([], k)


def test_a_host_names_its_site_and_unknown_hosts_go_to_the_site_given(ingest, write_log):
    path = write_log(
        [
            'claxton.localhost:443 10.0.3.1 - - [02/Mar/2026:09:00:00 +0000] "GET / HTTP/1.1" '
            '200 5 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"\n',
            'other.example:443 10.0.3.2 - - [02/Mar/2026:09:00:00 +0000] "GET / HTTP/1.1" '
            '200 5 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"\n',
            log_line("10.0.3.3", 0, "/"),
        ]
    )

    ingest(path, site="claxton")

    assert list(
        DailyCount.objects.filter(dimension="site").values_list("site", "hits", "visitors")
    ) == [("claxton", 3, 3)]


def test_an_unknown_dimension_is_refused(db):
    with pytest.raises(ValueError) as refused:
        report("contactgenie", DAY, DAY, "ip_address")

    assert str(refused.value).startswith("unknown dimension 'ip_address'")
