"""Erasing: every store by its registry rule, a tombstone left, nothing that names the person."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy import gate
from pledge.policy.models import AuditEvent, Consent, ConsentState
from pledge.rights.correction import correct_person
from pledge.rights.erasure import erase_person
from pledge.rights.exceptions import AlreadyErased
from pledge.rights.links import send_manage_link

NAME = "Zebulon Quarrington-Vex"
EMAIL = "zq.7f3a9c@leak-probe.example"
NEW_EMAIL = "zq.new.51be@leak-probe.example"


def planted(subscriber, client):
    """A person whose name and addresses are in every store we can reach."""
    person = subscriber(email=EMAIL, name=NAME)
    send_manage_link(EMAIL, site="claxton")
    correct_person(person, {"email": NEW_EMAIL}, via="link")
    person.groups.add(Group.objects.get_or_create(name="customer_service")[0])
    client.force_login(person)
    return Person.objects.get(pk=person.pk)


def every_value_in_the_database():
    """Each table's every row, every column as text: models' tables and Django's own."""
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    elif isinstance(value, dict | list):
                        value = json.dumps(value)
                    yield table, str(value)


def test_erasure_never_leaks_the_planted_name_or_addresses(subscriber, client):
    person = planted(subscriber, client)
    before = [(t, v) for t, v in every_value_in_the_database() if EMAIL in v]
    assert before != []

    erase_person(person, via="link")

    tables = set(connection.introspection.table_names())
    found = [
        (table, value)
        for table, value in every_value_in_the_database()
        for probe in (NAME, EMAIL, NEW_EMAIL, EMAIL.split("@")[0])
        if probe.lower() in value.lower()
    ]
    assert {m._meta.db_table for m in apps.get_models()} <= tables
    assert found == []


def test_erasure_leaves_a_tombstone_and_audits_by_number_only(subscriber, client):
    person = planted(subscriber, client)

    erase_person(person, via="link")

    person.refresh_from_db()
    audit = AuditEvent.objects.get(action="rights.erase")
    assert (person.status, person.email, person.name, person.pending_email) == (
        Person.Status.ERASED,
        None,
        "",
        "",
    )
    assert person.erased_at is not None
    assert person.has_usable_password() is False
    assert list(person.groups.all()) == []
    assert audit.subject_id == person.pk
    assert audit.detail["stores"]["mail.OutboundMessage"] == {"rule": "delete", "rows": 3}
    assert audit.detail["stores"]["people.Person"] == {"rule": "anonymise", "rows": 1}
    assert audit.detail["stores"]["sessions.Session"] == {"rule": "delete", "rows": 1}
    assert (audit.detail["via"], audit.detail["consents"]) == ("link", 1)


def test_erasure_removes_mail_and_choices_and_the_gate_refuses_everything(subscriber):
    person = subscriber()

    erase_person(person, via="link")

    person.refresh_from_db()
    assert OutboundMessage.objects.filter(person=person).count() == 0
    assert Consent.objects.filter(person=person).count() == 0
    assert ConsentState.objects.filter(person=person).count() == 0
    assert gate.allows(person, "legal_records") == gate.Decision(
        False, "the person's data is erased"
    )


def test_erasing_twice_is_refused(make_person):
    person = make_person("ada@example.com")
    erase_person(person, via="link")

    with pytest.raises(AlreadyErased):
        erase_person(person, via="link")

    assert AuditEvent.objects.filter(action="rights.erase").count() == 1


def test_opening_the_delete_link_changes_nothing_and_says_what_is_kept(
    subscriber, client, manage_link
):
    person = subscriber()

    response = client.get(manage_link(person, "delete"))

    page = response.content.decode()
    person.refresh_from_db()
    assert response.status_code == 200
    assert "Why we keep some records after deletion" in page
    assert "The number of an erased account, its status and the date of erasure" in page
    assert "Delete my data for good" in page
    assert (person.status, person.name) == (Person.Status.ACTIVE, "Grace Hopper")
    assert AuditEvent.objects.filter(action="rights.erase").count() == 0


def test_pressing_delete_erases_and_the_link_then_shows_we_hold_nothing(
    subscriber, client, manage_link
):
    person = subscriber()
    link = manage_link(person)

    response = client.post(manage_link(person, "delete"))
    after = client.get(link)

    person.refresh_from_db()
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("rights:done", args=["deleted"]),
    )
    assert person.status == Person.Status.ERASED
    assert after.status_code == 200
    assert "We hold no data about you" in after.content.decode()
    assert AuditEvent.objects.get(action="rights.erase").detail["via"] == "link"


def test_deleting_while_signed_in_signs_out(make_person, client):
    person = make_person("ada@example.com")
    client.force_login(person)

    response = client.post(reverse("rights:delete"))
    after = client.get(reverse("rights:manage"))

    assert (response.status_code, response["Location"]) == (
        302,
        reverse("rights:done", args=["deleted"]),
    )
    assert (after.status_code, after["Location"]) == (302, reverse("rights:start"))
    assert AuditEvent.objects.get(action="rights.erase").detail["via"] == "account"
