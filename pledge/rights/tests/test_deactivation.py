"""Deactivating: no sign-in, no contact of any kind, data kept; opening the link does nothing."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy import gate
from pledge.policy.models import AuditEvent
from pledge.rights.deactivation import deactivate_person
from pledge.rights.exceptions import AccountNotActive
from pledge.rights.tests.conftest import PASSWORD


def test_opening_the_deactivate_link_changes_nothing(subscriber, client, manage_link):
    person = subscriber()

    response = client.get(manage_link(person, "deactivate"))

    person.refresh_from_db()
    assert response.status_code == 200
    assert "Deactivate my account" in response.content.decode()
    assert (person.status, person.deactivated_at) == (Person.Status.ACTIVE, None)
    assert AuditEvent.objects.filter(action="rights.deactivate").count() == 0


def test_pressing_the_button_deactivates_and_audits(subscriber, client, manage_link):
    person = subscriber()

    response = client.post(manage_link(person, "deactivate"))

    person.refresh_from_db()
    audit = AuditEvent.objects.get(action="rights.deactivate")
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("rights:done", args=["deactivated"]),
    )
    assert person.status == Person.Status.DEACTIVATED
    assert person.deactivated_at is not None
    assert (audit.subject_id, audit.detail) == (person.pk, {"via": "link", "sessions_ended": 0})


def test_the_gate_refuses_a_newsletter_to_a_deactivated_subscriber(subscriber):
    person = subscriber()
    assert gate.allows(person, "newsletter").allowed is True

    deactivate_person(person, via="link")

    person.refresh_from_db()
    assert gate.allows(person, "newsletter") == gate.Decision(
        False, "the person deactivated their account"
    )
    assert gate.allows(person, "account").allowed is False


def test_a_deactivated_person_cannot_sign_in(make_person, client):
    person = make_person("ada@example.com")

    deactivate_person(person, via="link")

    assert client.login(username="ada@example.com", password=PASSWORD) is False


def test_mail_queued_before_deactivation_is_refused_at_send(subscriber, smtp_sink):
    person = subscriber()
    queued = OutboundMessage.objects.get()
    assert queued.status == OutboundMessage.Status.QUEUED

    deactivate_person(person, via="link")
    deliver_due()

    queued.refresh_from_db()
    assert smtp_sink.messages == []
    assert (queued.status, queued.reason) == (
        OutboundMessage.Status.REFUSED,
        "the person deactivated their account",
    )


def test_deactivating_while_signed_in_ends_the_session(make_person, client):
    person = make_person("ada@example.com")
    client.force_login(person)

    response = client.post(reverse("rights:deactivate"))
    after = client.get(reverse("rights:manage"))

    assert response.status_code == 302
    signed_in = [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id")]
    assert signed_in == []
    assert (after.status_code, after["Location"]) == (302, reverse("rights:start"))
    assert AuditEvent.objects.get(action="rights.deactivate").detail == {
        "via": "account",
        "sessions_ended": 1,
    }


def test_deactivating_twice_is_refused(make_person):
    person = make_person("ada@example.com")
    deactivate_person(person, via="link")

    with pytest.raises(AccountNotActive):
        deactivate_person(person, via="link")

    assert AuditEvent.objects.filter(action="rights.deactivate").count() == 1


def test_a_deactivated_person_still_sees_and_can_delete_their_data(
    make_person, client, manage_link
):
    person = make_person("ada@example.com")
    deactivate_person(person, via="link")

    response = client.get(manage_link(person))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Your account is deactivated" in page
    assert manage_link(person, "delete") in page
    assert manage_link(person, "correct") not in page
