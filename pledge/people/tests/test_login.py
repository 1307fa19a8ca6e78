"""Signing in by email and password, and signing out."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from pledge.people.models import Person
from pledge.people.views import SIGN_IN_REFUSED
from pledge.policy.models import AuditEvent

from .conftest import MADE_PASSWORD


def test_sign_in_by_email_in_any_case_starts_a_session(client, make_person, sign_in):
    person = make_person("ada@example.com")

    response = sign_in("ADA@Example.COM")

    audit = AuditEvent.objects.get(action="person.sign_in")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:account")
    assert client.session[SESSION_KEY] == str(person.pk)
    assert (audit.subject_id, audit.actor_id, audit.detail) == (
        person.pk,
        None,
        {"site": "contactgenie"},
    )


def test_sign_in_goes_back_to_the_page_asked_for(client, make_person, sign_in):
    make_person("ada@example.com")

    response = client.post(
        reverse("people:login") + "?next=/account/name/",
        {"email": "ada@example.com", "password": MADE_PASSWORD},
    )

    assert response["Location"] == "/account/name/"


def test_sign_in_ignores_a_next_page_on_another_site(client, make_person):
    make_person("ada@example.com")

    response = client.post(
        reverse("people:login") + "?next=https://evil.example/",
        {"email": "ada@example.com", "password": MADE_PASSWORD},
    )

    assert response["Location"] == reverse("people:account")


def test_wrong_password_gets_the_generic_error_and_keeps_the_address(client, make_person, sign_in):
    make_person("ada@example.com")

    response = sign_in("ada@example.com", "not-my-password-9")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [SIGN_IN_REFUSED]
    assert 'value="ada@example.com"' in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="person.sign_in").count() == 0


def test_unknown_address_gets_the_same_error(client, policy, sign_in):
    response = sign_in("nobody@example.com")

    assert response.context["form"].non_field_errors() == [SIGN_IN_REFUSED]
    assert SESSION_KEY not in client.session


def test_deactivated_person_cannot_sign_in(client, make_person, sign_in):
    make_person(
        "ada@example.com",
        status=Person.Status.DEACTIVATED,
        deactivated_at=timezone.now(),
    )

    response = sign_in("ada@example.com")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [SIGN_IN_REFUSED]
    assert SESSION_KEY not in client.session


def test_unverified_person_may_sign_in_and_is_asked_to_verify(client, make_person, sign_in):
    make_person("ada@example.com", email_verified_at=None)

    response = sign_in("ada@example.com", follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Please confirm your address" in html
    assert f'action="{reverse("people:verify_resend")}"' in html


def test_sign_out_is_a_post_that_ends_the_session(client, make_person):
    person = make_person("ada@example.com")
    client.force_login(person)

    refused = client.get(reverse("people:logout"))
    response = client.post(reverse("people:logout"))

    audit = AuditEvent.objects.get(action="person.sign_out")
    assert refused.status_code == 405
    assert response.status_code == 302
    assert response["Location"] == reverse("site:home")
    assert SESSION_KEY not in client.session
    assert audit.subject_id == person.pk
