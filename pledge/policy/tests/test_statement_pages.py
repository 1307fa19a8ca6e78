"""The published statement, its history, the cookie page and the change notice."""

from __future__ import annotations

import copy
import re

import pytest
from django.urls import reverse

from pledge.policy.declaration import Declaration
from pledge.policy.loaded import configured_declaration
from pledge.policy.versions import publish_version

HOSTS = ["contactgenie.localhost", "claxton.localhost"]


def publish_with(mutate):
    data = copy.deepcopy(configured_declaration().data)
    mutate(data)
    return publish_version(Declaration(data=data, source="test")).version


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize("host", HOSTS)
def test_statement_has_every_declared_section_on_both_sites(client, policy, host):
    response = client.get(reverse("policy:statement"), HTTP_HOST=host)

    html = response.content.decode()
    ids = re.findall(r'<section id="([a-z_]+)">', html)
    assert response.status_code == 200
    assert ids == [s["key"] for s in configured_declaration().data["sections"]]


def test_every_clause_of_the_statement_has_a_section(policy):
    clauses = {c for s in configured_declaration().data["sections"] for c in s["clauses"]}

    assert clauses == {f"C{n}" for n in range(1, 24)}


def test_contact_details_come_from_the_declaration(client, policy):
    text = text_of(client.get(reverse("policy:statement")))

    assert "Fax 586-283-7542" in text
    assert "Email ContactGenie Sales — sales@claxton.com" in text
    assert "Customer support support@claxton.com" in text


def test_placeholders_are_filled_from_the_declaration(client, policy):
    text = text_of(client.get(reverse("policy:statement")))

    assert (
        "During registration a user is required to give contact information "
        "(name, email address and password (stored only as a salted hash))."
    ) in text
    assert "{" not in text


def test_changing_the_declaration_changes_the_statement(client, policy):
    def rename(data):
        data["organisation"]["fax"] = "555-0100"
        data["cookies"]["theme"] = {
            "kind": "persistent",
            "lifetime_seconds": 86400,
            "purpose": "Light or dark.",
        }

    publish_with(rename)
    statement = text_of(client.get(reverse("policy:statement")))
    cookies = text_of(client.get(reverse("policy:cookies")))

    assert "Fax 555-0100" in statement
    assert "theme persistent 1 day Light or dark." in cookies


def test_cookie_page_lists_every_declared_cookie_with_its_lifetime(client, policy):
    text = text_of(client.get(reverse("policy:cookies")))

    assert "sessionid session Until you close the browser" in text
    assert "csrftoken persistent 1 year" in text


def test_history_lists_every_version_with_its_changes(client, policy):
    publish_with(lambda d: d["purposes"]["newsletter"]["categories"].append("user.contact.address"))

    text = text_of(client.get(reverse("policy:history")))

    assert re.search(
        r"Version 2 · .* current change in practice user.contact.address: newly used for newsletter",
        text,
    )
    assert re.search(r"Version 1 · .* First published version\.", text)


def test_an_earlier_version_stays_readable(client, policy):
    publish_with(lambda d: d["organisation"].update(fax="555-0100"))

    old = text_of(client.get(reverse("policy:version", args=[1])))

    assert "Fax 586-283-7542" in old
    assert "not the current version" in old


def test_material_change_shows_a_notice_on_every_page(client, policy):
    publish_with(lambda d: d["purposes"]["newsletter"]["categories"].append("user.contact.address"))

    home = text_of(client.get("/"))

    assert "Our privacy practices changed on" in home
    assert "user.contact.address: newly used for newsletter" in home


def test_rewording_shows_no_notice(client, policy):
    publish_with(lambda d: d["sections"][0].update(text=d["sections"][0]["text"] + " Plainly."))

    assert "Our privacy practices changed" not in text_of(client.get("/"))


def test_no_published_version_is_a_404_not_a_crash(client, db):
    assert client.get(reverse("policy:statement")).status_code == 404


@pytest.mark.parametrize("versions", [1, 3])
def test_statement_query_count_does_not_grow_with_versions(
    client, policy, versions, django_assert_num_queries
):
    for n in range(versions - 1):
        publish_with(lambda d, n=n: d["organisation"].update(fax=f"555-010{n}"))

    with django_assert_num_queries(2):
        assert client.get(reverse("policy:statement")).status_code == 200


@pytest.mark.parametrize("versions", [1, 3])
def test_history_query_count_does_not_grow_with_versions(
    client, policy, versions, django_assert_num_queries
):
    for n in range(versions - 1):
        publish_with(lambda d, n=n: d["organisation"].update(fax=f"555-010{n}"))

    with django_assert_num_queries(2):
        assert client.get(reverse("policy:history")).status_code == 200
