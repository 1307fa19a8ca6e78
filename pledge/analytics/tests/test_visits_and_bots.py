"""Visits, entry and exit pages, transitions, referring sites, and bots left out (C7)."""

from __future__ import annotations

from pledge.analytics.models import DailyCount

from .conftest import FIREFOX, log_line


def cells(dimension: str) -> dict[str, int]:
    return dict(DailyCount.objects.filter(dimension=dimension).values_list("value", "hits"))


def test_lines_out_of_order_are_sorted_before_visits_are_cut(ingest, write_log):
    path = write_log(
        [
            log_line("10.0.0.1", 20, "/products/"),
            log_line("10.0.0.1", 0, "/", referrer="https://www.google.com/search?q=x"),
            log_line("10.0.0.1", 40, "/privacy/"),
        ]
    )

    ingest(path)

    assert (cells("visits"), cells("entry"), cells("exit"), cells("transition")) == (
        {"": 1},
        {"/": 1},
        {"/privacy/": 1},
        {"/ → /products/": 1, "/products/ → /privacy/": 1},
    )
    assert cells("referrer") == {"www.google.com": 1}


def test_thirty_minutes_without_a_request_ends_a_visit(ingest, write_log):
    path = write_log(
        [
            log_line("10.0.0.1", 0, "/"),
            log_line("10.0.0.1", 1800, "/products/"),
            log_line("10.0.0.1", 3601, "/privacy/"),
        ]
    )

    ingest(path)

    assert (cells("visits"), cells("entry"), cells("exit")) == (
        {"": 2},
        {"/": 1, "/privacy/": 1},
        {"/products/": 1, "/privacy/": 1},
    )


def test_a_referrer_from_our_own_sites_is_not_a_referring_site(ingest, write_log):
    path = write_log([log_line("10.0.0.1", 0, "/", referrer="http://claxton.localhost/x")])

    ingest(path)

    assert cells("referrer") == {}


def test_browser_platform_country_and_isp_come_from_agent_and_address(ingest, write_log):
    path = write_log([log_line("83.149.9.216", 0, "/", agent=FIREFOX)])

    ingest(path)

    assert (cells("browser"), cells("platform"), cells("country"), cells("isp")) == (
        {"Firefox": 1},
        {"Ubuntu": 1},
        {"RU": 1},
        {"PJSC MegaFon": 1},
    )


def test_static_files_errors_and_posts_are_not_page_views(ingest, write_log):
    path = write_log(
        [
            log_line("10.0.0.1", 0, "/"),
            log_line("10.0.0.1", 1, "/static/site.css"),
            log_line("10.0.0.1", 2, "/missing/", status=404),
            log_line("10.0.0.1", 3, "/sign-in/", method="POST"),
        ]
    )

    ingest(path)

    assert cells("page") == {"/": 1}


def test_bots_are_left_out_of_visitor_counts(ingest, write_log):
    path = write_log(
        [
            log_line("10.0.0.1", 0, "/"),
            log_line("10.0.0.2", 1, "/", agent="curl/8.5.0"),
            log_line("10.0.0.3", 2, "/", agent="python-requests/2.31"),
            log_line("10.0.0.4", 3, "/", agent="Go-http-client/1.1"),
            log_line("10.0.0.5", 4, "/", agent="Mozilla/5.0 (compatible; Googlebot/2.1)"),
            log_line("10.0.0.6", 5, "/robots.txt"),
            log_line("10.0.0.6", 6, "/"),
            log_line("5.9.0.1", 7, "/"),  # Hetzner: a datacenter
            *[log_line("10.0.0.7", 8 + i, f"/p{i}/") for i in range(1001)],
        ]
    )

    ingest(path)

    humans = DailyCount.objects.get(dimension="site")
    bots = DailyCount.objects.get(dimension="bots")
    assert (humans.hits, humans.visitors, bots.visitors) == (1, 1, 7)
