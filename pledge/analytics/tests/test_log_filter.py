"""Django's request logging keeps no token, email address or query string (C7)."""

from __future__ import annotations

import logging

import pytest

from pledge.analytics.logfilter import MaskRequestPaths

SECRET_PATH = "/my-data/eyJhbGciOiJIUzI1NiJ9.MTIzNDU2.abcDEF123456789xyzXYZ/"


@pytest.mark.django_db
def test_a_not_found_page_is_logged_with_its_path_masked(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/nowhere/ada.lovelace@example.com/AbCdEf0123456789AbCdEf0123/")

    assert response.status_code == 404
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Not Found: /nowhere/:email/:token/"


def test_the_demo_servers_request_lines_are_masked(caplog):
    server = logging.getLogger("django.server")
    line = f"GET {SECRET_PATH}?email=ada@example.com&next=/x HTTP/1.1"

    with caplog.at_level(logging.INFO, logger="django.server"):
        server.info('"%s" %s %s', line, "200", "512")

    [record] = [r for r in caplog.records if r.name == "django.server"]
    assert record.getMessage() == '"GET /my-data/:token/ HTTP/1.1" 200 512'


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("POST", SECRET_PATH), ("POST", "/my-data/:token/")),
        (("GET /products/cg-pro/ HTTP/1.1",), ("GET /products/cg-pro/ HTTP/1.1",)),
        (("not a request line HTTP/1.1 /x",), ("not a request line HTTP/1.1 /x",)),
        (("GARBLED /a@b.example/ extra HTTP/1.1",), (":request",)),
        ((404, None), (404, None)),
    ],
)
def test_only_paths_and_request_lines_are_rewritten(args, expected):
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "%s", args, None)

    assert MaskRequestPaths().filter(record) is True
    assert record.args == expected
