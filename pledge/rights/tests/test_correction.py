"""Correcting one's details: only what the registry marks correctable; a new address waits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy.models import AuditEvent
from pledge.rights.correction import correct_person, correctable_fields
from pledge.rights.deactivation import deactivate_person
from pledge.rights.exceptions import AccountNotActive, NotCorrectable


def test_the_registry_decides_what_is_correctable():
    assert correctable_fields(Person) == ("name", "email")


def test_correcting_the_name_changes_it_and_audits_the_field_name_only(make_person):
    person = make_person("ada@example.com", name="Ada Byron")

    result = correct_person(person, {"name": "Ada Lovelace"}, via="link")

    person.refresh_from_db()
    audit = AuditEvent.objects.get(action="rights.correct")
    assert (result.changed, result.email_pending) == (("name",), False)
    assert person.name == "Ada Lovelace"
    assert (audit.subject_id, audit.categories, audit.detail) == (
        person.pk,
        ["user.name"],
        {"via": "link", "fields": ["name"], "pending": []},
    )
    assert "Ada" not in f"{audit.reason} {audit.detail} {audit.actor_label}"


def test_a_field_that_is_not_correctable_is_refused_and_nothing_changes(make_person):
    person = make_person("ada@example.com", name="Ada Byron")

    with pytest.raises(NotCorrectable) as refused:
        correct_person(person, {"name": "Ada Lovelace", "is_staff": True}, via="link")

    person.refresh_from_db()
    assert refused.value.fields == ["is_staff"]
    assert (person.name, person.is_staff) == ("Ada Byron", False)
    assert AuditEvent.objects.filter(action="rights.correct").count() == 0


def test_a_new_address_takes_effect_only_after_verification(make_person):
    person = make_person("ada@example.com")

    result = correct_person(person, {"email": "ada@new.example.com"}, via="link")

    person.refresh_from_db()
    mail = OutboundMessage.objects.get()
    audit = AuditEvent.objects.get(action="rights.correct")
    assert result.email_pending is True
    assert (person.email, person.pending_email) == ("ada@example.com", "ada@new.example.com")
    assert (mail.to_address, mail.purpose) == ("ada@new.example.com", "account")
    assert audit.detail == {"via": "link", "fields": [], "pending": ["email"]}


def test_the_same_address_in_other_letters_is_no_change(make_person):
    person = make_person("ada@example.com")

    result = correct_person(person, {"email": "ADA@example.com"}, via="link")

    assert (result.changed, result.email_pending) == ((), False)
    assert OutboundMessage.objects.count() == 0
    assert AuditEvent.objects.filter(action="rights.correct").count() == 0


def test_a_deactivated_account_cannot_be_corrected(make_person):
    person = make_person("ada@example.com", name="Ada Byron")
    deactivate_person(person, via="link")

    with pytest.raises(AccountNotActive):
        correct_person(person, {"name": "Ada Lovelace"}, via="link")

    person.refresh_from_db()
    assert person.name == "Ada Byron"


def test_the_correction_form_from_a_mail_link_saves_and_returns_to_the_data_page(
    make_person, client, manage_link
):
    person = make_person("ada@example.com", name="Ada Byron")

    response = client.post(
        manage_link(person, "correct"), {"name": "Ada Lovelace", "email": "ada@example.com"}
    )

    person.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == manage_link(person) + "?done=corrected"
    assert person.name == "Ada Lovelace"
    assert AuditEvent.objects.get(action="rights.correct").detail["fields"] == ["name"]


def test_the_correction_form_shows_the_correctable_fields_filled_in(make_person, client):
    person = make_person("ada@example.com", name="Ada Byron")
    client.force_login(person)

    response = client.get(reverse("rights:correct"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["name", "email"]
    assert response.context["form"].initial == {"name": "Ada Byron", "email": "ada@example.com"}
