"""Pledge's own access log: the combined format, nothing that names a person (C7)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings

from pledge.analytics.logformat import Malformed, parse_batch

from .conftest import CHROME

pytestmark = pytest.mark.django_db


def read_log(directory) -> list[str]:
    [log] = list(directory.glob("access-*.log"))
    return log.read_text().splitlines()


def test_a_request_is_written_as_one_combined_line_the_ingest_reads(client, settings, tmp_path):
    settings.ACCESS_LOG_DIR = str(tmp_path)

    client.get(
        "/products/?ref=x",
        HTTP_HOST="claxton.localhost",
        HTTP_USER_AGENT=CHROME,
        HTTP_REFERER="https://www.example.org/search?q=claxton",
        REMOTE_ADDR="203.0.113.7",
    )
    [line] = read_log(tmp_path)
    rows = parse_batch(line.encode(), Malformed()).to_dicts()

    assert re.fullmatch(
        r"claxton\.localhost:80 203\.0\.113\.7 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "
        r'"GET /products/ HTTP/1\.1" 200 \d+ "https://www\.example\.org/search" "Mozilla/5\.0 .*"',
        line,
    )
    assert [(r["vhost"], r["ip"], r["request"], r["status"]) for r in rows] == [
        ("claxton.localhost:80", "203.0.113.7", "GET /products/ HTTP/1.1", 200)
    ]


def test_no_account_email_session_or_token_reaches_the_line(
    client, settings, tmp_path, make_person
):
    settings.ACCESS_LOG_DIR = str(tmp_path)
    person = make_person("ada.logged@example.com", id=4242)
    client.force_login(person)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    token = "b7e2c1d0a9f8e7d6c5b4a3f2e1d0c9b8"

    client.get(
        f"/my-data/{token}/?email={person.email}&u=4242",
        HTTP_USER_AGENT=CHROME,
        HTTP_REFERER=f"http://contactgenie.localhost/account/4242/?e={person.email}",
    )
    [line] = read_log(tmp_path)

    planted = [person.email, "ada.logged", "4242", session, token]
    assert [p for p in planted if p in line] == []
    assert '"GET /my-data/:token/ HTTP/1.1"' in line


def test_no_log_is_written_when_no_directory_is_set(client, settings, tmp_path):
    settings.ACCESS_LOG_DIR = ""

    client.get("/", HTTP_USER_AGENT=CHROME)

    assert list(tmp_path.iterdir()) == []
