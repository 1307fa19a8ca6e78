"""C5: the session cookie ends with the browser; the CSRF cookie has its declared
lifetime and its value is linked to no one."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from pledge.policy.loaded import configured_declaration


def all_stored_text() -> str:
    """Every row of every table in the database, as text."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    parts.append(str(value))
    return "\n".join(parts)


def test_session_cookie_has_no_max_age_or_expires(client, make_person, sign_in):
    make_person("ada@example.com")

    response = sign_in("ada@example.com")

    cookie = response.cookies["sessionid"]
    assert response.status_code == 302
    assert (cookie["max-age"], cookie["expires"]) == ("", "")
    assert "Max-Age" not in cookie.output()
    assert "expires" not in cookie.output()


def test_csrf_cookie_lives_as_long_as_the_declaration_says(client, policy):
    declared = configured_declaration().data["cookies"]["csrftoken"]

    response = client.get(reverse("people:login"))

    cookie = response.cookies["csrftoken"]
    assert declared["kind"] == "persistent"
    assert cookie["max-age"] == declared["lifetime_seconds"]


def test_csrf_cookie_value_is_stored_in_no_table(client, make_person, sign_in):
    make_person("ada@example.com")
    before = client.get(reverse("people:login")).cookies["csrftoken"].value

    response = sign_in("ada@example.com")

    after = response.cookies["csrftoken"].value
    stored = all_stored_text()
    assert response.status_code == 302
    assert len(before) == len(after) == 32
    assert before != after  # Django gives a new token at sign-in
    assert "ada@example.com" in stored  # the dump does reach the people's data
    assert before not in stored
    assert after not in stored
