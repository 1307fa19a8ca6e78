"""The demo's mail catcher keeps what it receives, and /dev/mail/ shows it safely."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pledge.mail.catcher import Catcher, caught_messages, start_server
from pledge.mail.delivery import deliver_due


@pytest.fixture
def catcher(settings, tmp_path):
    """The mail catcher on a free port, keeping mail in a temporary directory."""
    controller = start_server(Catcher(tmp_path), host="127.0.0.1", port=0)
    settings.SMTP_HOST, settings.SMTP_PORT = "127.0.0.1", controller.port
    settings.SMTP_STARTTLS, settings.SMTP_USER = False, ""
    settings.MAIL_CATCHER_DIR = tmp_path
    yield tmp_path
    controller.stop()


def test_catcher_stores_each_message_whole_under_its_arrival_name(
    catcher, make_person, queue_notice
):
    row = queue_notice(make_person("ada@example.com", name="Ada Lovelace"))

    deliver_due()

    [caught] = caught_messages(catcher)
    files = sorted(path.name for path in catcher.iterdir())
    assert files == [f"{caught.name}.eml"]
    assert (caught.to, caught.subject) == (
        "Ada Lovelace <ada@example.com>",
        "A notice for Ada Lovelace from ContactGenie",
    )
    raw = (catcher / files[0]).read_bytes()
    assert raw.startswith(f"Return-Path: <bounces+{row.token}@".encode())
    assert raw.count(f"Message-ID: {row.message_id}".encode()) == 1


def test_list_shows_caught_mail_newest_first(catcher, client, make_person, queue_notice):
    queue_notice(make_person(name="First Person"))
    deliver_due()
    queue_notice(make_person(name="Second Person"))
    deliver_due()

    response = client.get(reverse("mail:catcher_list"))

    content = response.content.decode()
    assert response.status_code == 200
    first = content.index("A notice for First Person from ContactGenie")
    second = content.index("A notice for Second Person from ContactGenie")
    assert second < first


def test_message_page_shows_headers_and_escaped_text_with_links(
    catcher, client, make_person, queue_notice
):
    row = queue_notice(make_person(), note='<script>alert("x")</script>')
    deliver_due()
    [caught] = caught_messages(catcher)

    response = client.get(reverse("mail:catcher_show", args=[caught.name]))

    content = response.content.decode()
    assert response.status_code == 200
    assert (
        content.count(f"<dd>{row.message_id.replace('<', '&lt;').replace('>', '&gt;')}</dd>") == 1
    )
    assert content.count("<script>") == 0
    assert content.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 1
    manage = row.body_text.split("\n-- \n")[1].splitlines()[4]
    assert content.count(f'<a href="{manage}" rel="nofollow">{manage}</a>') == 1
    html_url = reverse("mail:catcher_html", args=[caught.name])
    assert content.count(f'<iframe class="mail-frame" src="{html_url}" sandbox') == 1


def test_html_part_is_served_sandboxed_and_frameable_only_by_us(
    catcher, client, make_person, queue_notice
):
    queue_notice(make_person())
    deliver_due()
    [caught] = caught_messages(catcher)

    response = client.get(reverse("mail:catcher_html", args=[caught.name]))

    policy = sorted(part.strip() for part in response["Content-Security-Policy"].split(";"))
    assert response.status_code == 200
    assert policy == [
        "base-uri 'none'",
        "default-src 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        "img-src data:",
        "sandbox allow-top-navigation-by-user-activation",
        "style-src 'unsafe-inline'",
    ]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response.content.decode().count("Manage your data</a>") == 1


def test_a_name_that_is_not_a_caught_message_is_not_found(catcher, client):
    (catcher.parent / "secret.eml").write_text("Subject: not yours\n\nno\n")

    responses = [
        client.get(f"/dev/mail/{name}/")
        for name in ("..%2Fsecret", "20260101T000000000000-00000000")
    ]

    assert [r.status_code for r in responses] == [404, 404]


def test_the_pages_exist_only_in_the_demo(settings, catcher, client):
    settings.PLEDGE_ENV = "production"

    response = client.get(reverse("mail:catcher_list"))

    assert response.status_code == 404
