"""Rate limits on signing in, registering and resetting: per address, never per IP (C7)."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.urls import reverse

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy.models import AuditEvent

LIMITED = "Too many attempts. Please wait 15 minutes and try again."


def test_sign_in_is_refused_after_the_limit_even_with_the_right_password(
    client, settings, make_person, sign_in
):
    make_person("ada@example.com")
    for _ in range(settings.RATE_LIMIT_LOGIN):
        assert sign_in("ada@example.com", "wrong-password-1").status_code == 200

    response = sign_in("ada@example.com")

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [LIMITED]
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="person.sign_in").count() == 0


def test_attempts_below_the_limit_still_get_the_ordinary_answer(
    client, settings, make_person, sign_in
):
    make_person("ada@example.com")
    for _ in range(settings.RATE_LIMIT_LOGIN - 1):
        sign_in("ada@example.com", "wrong-password-1")

    response = sign_in("ada@example.com")

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="person.sign_in").count() == 1


def test_sign_in_limit_is_kept_per_account(client, settings, make_person, sign_in):
    make_person("ada@example.com")
    grace = make_person("grace@example.com")
    for _ in range(settings.RATE_LIMIT_LOGIN):
        sign_in("ada@example.com", "wrong-password-1")

    response = sign_in("grace@example.com")

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(grace.pk)


def test_sign_in_limit_ignores_the_case_of_the_address(client, settings, make_person, sign_in):
    make_person("ada@example.com")
    for _ in range(settings.RATE_LIMIT_LOGIN):
        sign_in("ADA@example.com", "wrong-password-1")

    response = sign_in("ada@EXAMPLE.com")

    assert response.status_code == 429


def test_registration_is_refused_after_the_limit(settings, register):
    settings.RATE_LIMIT_REGISTER = 2
    register("ada@example.com")
    register("ada@example.com", name="Ada Again")

    response = register("ada@example.com", name="Ada Once More")

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [LIMITED]
    assert Person.objects.count() == 1
    assert OutboundMessage.objects.count() == 2


def test_reset_requests_are_refused_after_the_limit(client, settings, make_person):
    make_person("ada@example.com")
    for _ in range(settings.RATE_LIMIT_RESET):
        client.post(reverse("people:password_reset"), {"email": "ada@example.com"})

    response = client.post(reverse("people:password_reset"), {"email": "ada@example.com"})

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [LIMITED]
    assert OutboundMessage.objects.count() == settings.RATE_LIMIT_RESET


def test_counters_in_the_cache_hold_neither_address_nor_ip(settings, make_person, sign_in):
    make_person("ada@example.com")
    sign_in("ada@example.com", "wrong-password-1", REMOTE_ADDR="203.0.113.77")

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM pledge_cache")
        rows = cursor.fetchall()

    stored = repr(rows)
    assert len(rows) == 1
    assert "ada" not in stored
    assert "example.com" not in stored
    assert "203.0.113.77" not in stored
