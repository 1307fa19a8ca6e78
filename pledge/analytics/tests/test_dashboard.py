"""Marketing sees the aggregates as charts and exports them as CSV; small cells never show (C7)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from pledge.analytics.report import k_anonymity

from .conftest import CHROME, FIREFOX, log_line

DASHBOARD = "/staff/analytics/dailycount/"
EXPORT = "/staff/analytics/dailycount/export.csv"


@pytest.fixture
def traffic(ingest, write_log):
    """Six visitors on two pages, and one lone visitor on a rare page, on 2 March 2026."""
    lines = []
    for n in range(6):
        ip = f"198.51.100.{n + 1}"
        lines += [
            log_line(ip, n * 60, "/", referrer="https://www.google.com/search?q=x", agent=FIREFOX),
            log_line(ip, n * 60 + 20, "/products/", referrer="http://contactgenie.localhost/"),
        ]
    lines.append(log_line("198.51.100.99", 900, "/rare/", agent=CHROME))
    ingest(write_log(lines))


@pytest.fixture
def marketing(client, make_staff):
    client.force_login(make_staff("marketing"))
    return client


def test_marketing_sees_trend_and_top_charts_without_small_cells(marketing, traffic):
    response = marketing.get(DASHBOARD, {"start": "2026-03-01", "end": "2026-03-03"})
    page = response.content.decode()

    assert response.status_code == 200
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 5
    assert ("/products/" in page, "www.google.com" in page, "/rare/" in page) == (True, True, False)
    assert "style=" not in page.split('<div class="analytics">')[1]
    assert "<script" not in page.split('<div class="analytics">')[1]


def test_the_export_holds_aggregates_only_and_no_cell_under_k(marketing, traffic):
    response = marketing.get(EXPORT, {"start": "2026-03-02", "end": "2026-03-02"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    header, cells = rows[0], rows[1:]
    assert header == ["site", "day", "dimension", "value", "hits", "visitors"]
    assert min(int(r[5]) for r in cells) >= k_anonymity()
    assert ["contactgenie", "2026-03-02", "page", "/products/", "6", "6"] in cells
    assert [r for r in cells if "/rare/" in r[3] or "198.51.100" in ",".join(r)] == []
    assert (
        response["Content-Disposition"] == 'attachment; filename="analytics-20260302-20260302.csv"'
    )


def test_billing_and_customers_do_not_see_the_dashboard(client, make_staff, make_person):
    client.force_login(make_staff("billing_clerk"))
    refused_staff = client.get(DASHBOARD).status_code
    client.force_login(make_person("customer@example.com"))
    refused_customer = client.get(EXPORT).status_code

    assert (refused_staff, refused_customer) == (403, 302)


def test_bad_dates_are_a_form_error_not_a_crash(marketing, traffic):
    response = marketing.get(DASHBOARD, {"start": "2026-03-05", "end": "2026-03-01"})

    assert (
        response.status_code,
        "The first day must not be after the last." in response.content.decode(),
    ) == (
        200,
        True,
    )


def test_the_dashboard_defaults_to_the_30_days_ending_with_the_last_counted_day(marketing, traffic):
    response = marketing.get(DASHBOARD)

    assert (response.context["start"], response.context["end"]) == (
        date(2026, 2, 1),
        date(2026, 3, 2),
    )
