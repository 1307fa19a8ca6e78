"""Page beacons and exit redirects, logged by the middleware, are counted in aggregate (C6, C8)."""

from __future__ import annotations

import pytest

from pledge.analytics.exits import exit_url
from pledge.analytics.ingest import ingest_file
from pledge.analytics.models import DailyCount

from .conftest import CHROME

pytestmark = pytest.mark.django_db
DESTINATION = "https://www.example.org/recommended/"


def cells(dimension: str) -> dict[str, tuple[int, int]]:
    rows = DailyCount.objects.filter(dimension=dimension)
    return {
        value: (hits, visitors)
        for value, hits, visitors in rows.values_list("value", "hits", "visitors")
    }


def test_the_beacon_is_a_clear_gif_never_cached(client):
    response = client.get("/b/product-contactgenie.gif")

    assert (
        response.status_code,
        response["Content-Type"],
        response.content[:6],
        response["Cache-Control"],
    ) == (200, "image/gif", b"GIF89a", "no-store, max-age=0")


def test_a_beacon_url_holds_only_a_content_key(client):
    assert client.get("/b/ada@example.com.gif").status_code == 404


def test_beacons_and_exits_from_the_log_become_content_outbound_and_click_cells(
    client, settings, tmp_path
):
    settings.ACCESS_LOG_DIR = str(tmp_path)
    page = "http://claxton.localhost/products/"
    for n in range(3):
        visitor = {
            "HTTP_HOST": "claxton.localhost",
            "HTTP_USER_AGENT": CHROME,
            "REMOTE_ADDR": f"198.51.100.{n + 1}",
        }
        client.get("/products/", **visitor)
        client.get("/b/product-contactgenie.gif", HTTP_REFERER=page, **visitor)
        client.get(exit_url(DESTINATION), HTTP_REFERER=page, **visitor)
    client.get("/out/?to=//evil.example", HTTP_REFERER=page, **visitor)  # refused: 400
    [log] = tmp_path.glob("access-*.log")

    result = ingest_file(log)

    assert (result.requests, cells("content"), cells("outbound"), cells("click")) == (
        10,
        {"product-contactgenie": (3, 3)},
        {"www.example.org": (3, 3)},
        {"/products/ → www.example.org": (3, 3)},
    )
    assert cells("page") == {"/products/": (3, 3)}
