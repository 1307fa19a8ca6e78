"""Publishing the declaration: immutable versions, a diff, nothing for no change."""

from __future__ import annotations

import copy

import pytest
from django.core.management import call_command

from pledge.policy.declaration import Declaration
from pledge.policy.loaded import configured_declaration
from pledge.policy.models import AuditEvent, ImmutableRowError, PolicyVersion
from pledge.policy.versions import describe, publish_version


def changed(mutate) -> Declaration:
    data = copy.deepcopy(configured_declaration().data)
    mutate(data)
    return Declaration(data=data, source="test")


def test_first_publish_creates_version_one_and_audits(db):
    result = publish_version(configured_declaration(), by="privacy officer")

    assert (result.created, result.version.number, result.changes) == (True, 1, {"first": True})
    assert AuditEvent.objects.get(action="policy.publish").detail["version"] == 1


def test_unchanged_declaration_creates_nothing(policy):
    result = publish_version(configured_declaration())

    assert (result.created, result.version.pk) == (False, policy.pk)
    assert PolicyVersion.objects.count() == 1


def test_new_use_of_a_category_is_reported_and_material(policy):
    def add_use(data):
        data["purposes"]["newsletter"]["categories"].append("user.contact.address")

    result = publish_version(changed(add_use))

    assert result.version.number == 2
    assert result.changes == {"new_uses": {"user.contact.address": ["newsletter"]}}
    assert result.version.material is True
    assert describe(result.changes) == ["user.contact.address: newly used for newsletter"]


def test_new_processor_and_cookie_and_dropped_use_are_reported(policy):
    def mutate(data):
        data["processors"]["mailer"] = {
            "name": "Mailer",
            "role": "Sends mail",
            "purposes": ["newsletter"],
            "categories": ["user.contact.email"],
        }
        data["cookies"]["lang"] = {
            "kind": "persistent",
            "lifetime_seconds": 86400,
            "purpose": "language",
        }
        data["purposes"]["surveys"]["categories"] = []

    result = publish_version(changed(mutate))

    assert result.changes == {
        "new_processors": ["mailer"],
        "new_cookies": ["lang"],
        "dropped_uses": {"user.demographic.profile": ["surveys"]},
    }


def test_rewording_alone_is_not_material(policy):
    def reword(data):
        data["sections"][0]["text"] += " Reworded."

    result = publish_version(changed(reword))

    assert result.changes == {"reworded_sections": ["information_collection"]}
    assert result.version.material is False


def test_versions_are_immutable(policy):
    policy.material = True
    with pytest.raises(ImmutableRowError):
        policy.save()
    with pytest.raises(ImmutableRowError):
        policy.delete()


def test_publish_command_prints_changes(db, capsys):
    call_command("policy_publish")
    call_command("policy_publish")

    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Published version 1.",
        "  First published version.",
        "Unchanged: version 1 stays in force.",
    ]
