"""Which mail was opened: a clear gif per HTML message, counted, nothing about the reader (C8)."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pledge.mail.models import OutboundMessage
from pledge.mail.opens import CLEAR_GIF
from pledge.mail.outbox import enqueue, site_base_url

PIXEL = re.compile(r'<img src="([^"]+)" width="1" height="1" alt=""')


def _pixel_path(row):
    url = PIXEL.search(row.body_html).group(1)
    return url.removeprefix(site_base_url(row.site))


def _open(path, **headers):
    # A mail program fetches the image with no cookie.
    return Client().get(path, **headers)


def test_the_gif_url_holds_only_the_open_token(make_person, queue_notice):
    row = queue_notice(make_person())

    path = _pixel_path(row)

    assert path == f"/o/{row.open_token}.gif"
    assert re.fullmatch(r"[0-9a-f]{32}", row.open_token)
    assert row.open_token not in (row.token, row.message_id, row.unsubscribe_token)
    assert len(PIXEL.findall(row.body_html)) == 1


def test_the_gif_is_a_transparent_1x1_never_cached(make_person, queue_notice):
    row = queue_notice(make_person())

    response = _open(_pixel_path(row))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response["Cache-Control"] == "no-store, max-age=0"
    assert response.content == CLEAR_GIF
    assert response.content[:6] == b"GIF89a"
    assert (response.content[6], response.content[8]) == (1, 1)  # width, height
    assert response.cookies == {}


def test_opens_count_the_first_and_every_one(make_person, queue_notice):
    row = queue_notice(make_person())
    path = _pixel_path(row)

    _open(path)
    row.refresh_from_db()
    first = row.first_opened_at
    _open(path)
    _open(path)

    row.refresh_from_db()
    assert first is not None
    assert (row.first_opened_at, row.open_count) == (first, 3)


def test_nothing_about_the_reader_is_kept(make_person, queue_notice):
    row = queue_notice(make_person())
    before = {f.name: getattr(row, f.name) for f in OutboundMessage._meta.concrete_fields}

    _open(_pixel_path(row), REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Reader/1.0")

    row.refresh_from_db()
    after = {f.name: getattr(row, f.name) for f in OutboundMessage._meta.concrete_fields}
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"first_opened_at", "open_count"}
    assert "203.0.113.9" not in repr(after)


def test_an_unknown_token_still_gets_the_gif(make_person, queue_notice):
    row = queue_notice(make_person())

    unknown = _open("/o/" + "0" * 32 + ".gif")
    malformed = _open("/o/not-a-token.gif")

    row.refresh_from_db()
    assert (unknown.status_code, unknown.content) == (200, CLEAR_GIF)
    assert (malformed.status_code, malformed.content) == (200, CLEAR_GIF)
    assert row.open_count == 0


def test_a_deactivated_persons_opens_are_not_recorded(make_person, queue_notice):
    person = make_person()
    row = queue_notice(person)
    person.status = "deactivated"
    person.save(update_fields=["status"])

    response = _open(_pixel_path(row))

    row.refresh_from_db()
    assert response.content == CLEAR_GIF
    assert (row.first_opened_at, row.open_count) == (None, 0)


def test_a_head_request_counts_nothing(make_person, queue_notice):
    row = queue_notice(make_person())

    response = Client().head(_pixel_path(row))

    row.refresh_from_db()
    assert response.status_code == 200
    assert row.open_count == 0


def test_a_text_only_mail_has_no_open_token(make_person):
    row = enqueue(person=make_person(), purpose="account", template="test/plain", site="claxton")

    assert (row.body_html, row.open_token) == ("", None)


def test_opens_summary_counts_opened_messages_and_total_opens(make_person, queue_notice):
    person = make_person()
    opened_twice, opened_once, unopened = (queue_notice(person) for _ in range(3))
    for row in (opened_twice, opened_twice, opened_once):
        _open(_pixel_path(row))

    summary = OutboundMessage.objects.filter(person=person).opens_summary()
    none = OutboundMessage.objects.none().opens_summary()

    assert summary == (2, 3)
    assert none == (0, 0)


def test_opens_summary_is_one_query(make_person, queue_notice):
    queue_notice(make_person())

    with CaptureQueriesContext(connection) as queries:
        OutboundMessage.objects.all().opens_summary()

    assert len(queries.captured_queries) == 1
