"""Seeing and downloading one's data: every registered store, with categories and versions."""

from __future__ import annotations

import json

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from pledge.people.models import Person
from pledge.policy.models import AuditEvent
from pledge.policy.registry import personal_models
from pledge.rights.export import SECRET_SHOWN_AS, export_person_data


def rows_by_model(data):
    return {store["model"]: store["rows"] for store in data["stores"]}


def field_values(row):
    return {field["field"]: field["value"] for field in row["fields"]}


def test_export_lists_every_registered_store(subscriber):
    person = subscriber()

    data = export_person_data(person, via="link")

    # Consents have their own section of the export, in words.
    assert sorted(rows_by_model(data)) == sorted(
        pm.label
        for pm in personal_models()
        if pm.label not in ("policy.Consent", "policy.ConsentState")
    )
    assert [c["purpose"] for c in data["consents"]] != []


def test_export_holds_a_row_of_each_store_the_person_has_data_in(subscriber, client):
    person = subscriber()
    client.force_login(person)
    staff = Person.objects.create_superuser("staff@example.com", "another long password")
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(person.pk),
        object_repr=str(person),
        action_flag=CHANGE,
    )

    rows = rows_by_model(export_person_data(person, via="link"))

    held = {model: len(found) for model, found in rows.items() if found}
    assert held == {
        "admin.LogEntry": 1,
        "mail.MessageEvent": 1,
        "mail.OutboundMessage": 1,
        "people.Person": 1,
        "sessions.Session": 1,
    }


def test_each_field_carries_its_category_label_point_and_version(subscriber, policy):
    person = subscriber()

    data = export_person_data(person, via="link")

    own = rows_by_model(data)["people.Person"][0]
    name = next(field for field in own["fields"] if field["field"] == "name")
    assert (own["collection_point"], own["collection_point_label"]) == (
        "registration",
        "Registration",
    )
    assert own["policy_version"] == policy.number
    assert (name["category"], name["category_label"], name["value"]) == (
        "user.name",
        "name",
        "Grace Hopper",
    )
    assert data["policy_in_force"] == policy.number


def test_the_password_hash_is_never_exported(subscriber):
    person = subscriber()

    data = export_person_data(person, via="link")

    own = rows_by_model(data)["people.Person"][0]
    assert field_values(own)["password"] == SECRET_SHOWN_AS
    assert person.password not in json.dumps(data)


def test_consents_come_with_when_how_and_version(subscriber, policy):
    person = subscriber()

    data = export_person_data(person, via="link")

    (consent,) = data["consents"]
    assert (
        consent["purpose"],
        consent["purpose_label"],
        consent["granted"],
        consent["via_label"],
        consent["collection_point_label"],
        consent["policy_version"],
    ) == (
        "newsletter",
        "Newsletter and special offers",
        True,
        "a form on the site",
        "Mailing list sign-up",
        policy.number,
    )


def test_export_is_json_and_audited_without_values(subscriber):
    person = subscriber()

    data = export_person_data(person, via="link", delivery="file")

    audit = AuditEvent.objects.get(action="rights.export")
    assert json.loads(json.dumps(data))["person"] == person.pk
    assert (audit.subject_id, audit.detail["via"], audit.detail["delivery"]) == (
        person.pk,
        "link",
        "file",
    )
    assert "user.privacy_preferences" in audit.categories
    assert "Grace Hopper" not in json.dumps([audit.reason, audit.detail, audit.actor_label])


def test_download_is_a_json_attachment(subscriber, client, manage_link):
    person = subscriber()

    response = client.get(manage_link(person, "export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-contactgenie-')
    assert json.loads(response.content)["person"] == person.pk
    assert AuditEvent.objects.get(action="rights.export").detail["delivery"] == "file"


def test_data_page_shows_what_we_hold_grouped_by_collection_point(subscriber, client, manage_link):
    person = subscriber()

    response = client.get(manage_link(person))

    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert "We hold this about you" in page
    assert "Grace Hopper" in page
    assert "Mailing list sign-up" in page
    assert AuditEvent.objects.get(action="rights.export").detail == {
        "via": "link",
        "delivery": "page",
        "rows": {"mail.MessageEvent": 1, "mail.OutboundMessage": 1, "people.Person": 1},
        "consents": 1,
    }


def test_signed_in_person_reaches_their_data_without_a_token(make_person, client):
    person = make_person("ada@example.com")
    client.force_login(person)

    start = client.get(reverse("rights:start"))
    page = client.get(reverse("rights:manage"))

    assert (start.status_code, start["Location"]) == (302, reverse("rights:manage"))
    assert page.status_code == 200
    assert AuditEvent.objects.get(action="rights.export").detail["via"] == "account"


def test_signed_out_visitor_without_a_token_is_sent_to_the_link_form(client, policy):
    response = client.get(reverse("rights:manage"))

    assert (response.status_code, response["Location"]) == (302, reverse("rights:start"))
    assert AuditEvent.objects.filter(action="rights.export").count() == 0
