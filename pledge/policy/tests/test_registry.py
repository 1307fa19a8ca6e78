"""The registry knows every field that holds personal data (C1)."""

from __future__ import annotations

import re

from django.apps import apps
from django.db import models

from pledge.policy.loaded import configured_declaration
from pledge.policy.registry import declared_not_personal, declared_personal, personal_models

# Names that suggest a person wrote or is described by the value.
LOOKS_PERSONAL = re.compile(
    r"(e_?mail|name|address|phone|fax|street|city|zip|postal|postcode|country|ip|"
    r"body|message|text|content|note|comment|subject|repr|data|answer|birth|card|iban)",
    re.IGNORECASE,
)
PERSONAL_TYPES = (models.EmailField, models.GenericIPAddressField, models.TextField)


def looks_personal(field: models.Field) -> bool:
    if field.is_relation or field.primary_key:
        return False
    return isinstance(field, PERSONAL_TYPES) or bool(LOOKS_PERSONAL.search(field.name))


def test_every_field_that_looks_personal_is_declared():
    undeclared = []
    for model in apps.get_models():
        entry = declared_personal(model)
        declared = set(entry.fields) if entry else set()
        declared |= set(declared_not_personal(model))
        for field in model._meta.concrete_fields:
            if looks_personal(field) and field.name not in declared:
                undeclared.append(f"{model._meta.label}.{field.name}")
    assert undeclared == []


def test_declared_fields_exist_and_categories_are_described():
    categories = configured_declaration().data["categories"]
    problems = []
    for entry in personal_models():
        names = {f.name for f in entry.model._meta.concrete_fields}
        for name, category in entry.fields.items():
            if name not in names:
                problems.append(f"{entry.label}.{name}: no such field")
            if category not in categories:
                problems.append(f"{entry.label}.{name}: {category} not in the declaration")
    assert problems == []


def test_collection_points_and_retention_rules_are_declared():
    data = configured_declaration().data
    problems = []
    for entry in personal_models():
        if entry.point not in data["collection_points"]:
            problems.append(f"{entry.label}: collection point {entry.point!r} undeclared")
        if entry.retention and entry.retention not in data["retention"]:
            problems.append(f"{entry.label}: retention rule {entry.retention!r} undeclared")
    assert problems == []


def test_rows_collected_by_a_form_carry_their_policy_version():
    missing = [
        entry.label
        for entry in personal_models()
        if entry.version_field is not None
        and entry.version_field not in {f.name for f in entry.model._meta.concrete_fields}
    ]
    assert missing == []


def test_the_walk_flags_an_email_field_by_type_and_a_note_by_name():
    email = models.EmailField()
    email.name = "contact"
    note = models.CharField(max_length=10)
    note.name = "private_note"
    count = models.IntegerField()
    count.name = "clicks"

    assert [looks_personal(f) for f in (email, note, count)] == [True, True, False]
