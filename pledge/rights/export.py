"""Everything we hold about a person, read from the registry (C21: see and download).

Nothing here lists models by hand: every model declared with ``@personal_data``
appears, with each personal field's data category in plain words, the collection
point and the policy version the row was collected under (C22), then the history
of the person's consents.
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from pledge.policy.audit import record_audit
from pledge.policy.loaded import configured_declaration
from pledge.policy.models import Consent, ConsentState
from pledge.policy.registry import PersonalModel, personal_models
from pledge.policy.versions import current_version

FORMAT = "pledge.export/1"
# A secret kept only as a one-way hash is of no use to its owner, and of use to
# whoever else gets hold of the downloaded file: say that it is held, not what it is.
SECRET_CATEGORY = "user.authorization"
SECRET_SHOWN_AS = "(kept only as a one-way hash; not shown)"


def jsonable(value: Any) -> Any:
    """A column's value as JSON: dates in ISO 8601, bytes in base64, the rest as text."""
    if value is None or isinstance(value, str | bool | int | float | dict | list):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return str(value)


OWN_RECORD = "your account"


def is_own_record(pm: PersonalModel) -> bool:
    """Whether the model's row is the person (not a row about them)."""
    return pm.subject == "" and pm.rows is None


def records_label(pm: PersonalModel) -> str:
    """What a store's rows are called on the person's pages, in plain words."""
    if is_own_record(pm):
        return OWN_RECORD
    return str(pm.model._meta.verbose_name_plural)  # type: ignore[attr-defined]


def stores_in_order() -> list[PersonalModel]:
    """The registered models, the person's own record first.

    Consents are shown in their own section, with their history in words.
    """
    return sorted(
        (pm for pm in personal_models() if pm.model not in (Consent, ConsentState)),
        key=lambda pm: (not is_own_record(pm), pm.label),
    )


def _verbose_name(obj: models.Model, name: str) -> str:
    field = obj._meta.get_field(name)
    assert isinstance(field, models.Field)  # a declared personal field is a column
    return str(field.verbose_name)


def _row(pm: PersonalModel, obj: models.Model, declaration: dict[str, Any]) -> dict[str, Any]:
    meta = obj._meta
    point = getattr(obj, "collection_point", "") or pm.point
    point_label = declaration["collection_points"].get(point, {}).get("label", point)
    version = getattr(obj, pm.version_field) if pm.version_field else None
    fields = [
        {
            "field": name,
            "label": _verbose_name(obj, name),
            "category": category,
            "category_label": declaration["categories"].get(category, category),
            "value": (
                SECRET_SHOWN_AS
                if category.startswith(SECRET_CATEGORY)
                else jsonable(getattr(obj, name))
            ),
        }
        for name, category in pm.fields.items()
    ]
    # The row's other columns are about the person too (when a mail was sent, the
    # account's status); links and the key are left out: the key of some tables is
    # itself a secret (a session key), and the links are shown above.
    details = [
        {"field": f.name, "label": str(f.verbose_name), "value": jsonable(f.value_from_object(obj))}
        for f in meta.concrete_fields
        if f.name not in pm.fields and not f.primary_key and not f.is_relation
    ]
    row: dict[str, Any] = {
        "model": pm.label,
        "record": OWN_RECORD if is_own_record(pm) else str(meta.verbose_name),
        "collection_point": point,
        "collection_point_label": point_label,
        "policy_version": getattr(version, "number", None),
        "fields": fields,
        "details": details,
    }
    if isinstance(meta.pk, models.fields.AutoFieldMixin):
        row["id"] = obj.pk
    return row


def _rows(pm: PersonalModel, person: Any, declaration: dict[str, Any]) -> list[dict[str, Any]]:
    rows = pm.rows_about(person)
    if pm.version_field:
        rows = rows.select_related(pm.version_field)
    return [_row(pm, obj, declaration) for obj in rows]


def _consents(person: Any) -> list[dict[str, Any]]:
    result = []
    for consent in Consent.objects.filter(person=person).select_related("policy_version"):
        # Labels from the version the answer was given under: the words the person saw.
        given_under = consent.policy_version.declaration
        purpose = given_under["purposes"].get(consent.purpose, {})
        point = given_under["collection_points"].get(consent.collection_point, {})
        site = given_under["sites"].get(consent.site, {})
        result.append(
            {
                "purpose": consent.purpose,
                "purpose_label": purpose.get("label", consent.purpose),
                "scope": consent.scope,
                "granted": consent.granted,
                "at": jsonable(consent.at),
                "via": consent.via,
                "via_label": consent.get_via_display(),
                "collection_point": consent.collection_point,
                "collection_point_label": point.get("label", consent.collection_point),
                "site": consent.site,
                "site_label": site.get("name", consent.site),
                "policy_version": consent.policy_version.number,
            }
        )
    return result


def export_person_data(
    person: Any, *, via: str = "", delivery: str = "file", actor: Any = None
) -> dict[str, Any]:
    """Everything held about ``person``, as JSON-able data, and audit that it was read.

    ``delivery`` says whether it was shown on the page or downloaded as a file. The
    audit row names the person by number only and lists the categories read (C20).
    """
    with transaction.atomic():
        version = current_version()
        declaration = version.declaration
        stores: list[dict[str, Any]] = [
            {
                "model": pm.label,
                "records": records_label(pm),
                "erasure": pm.erasure,
                "rows": _rows(pm, person, declaration),
            }
            for pm in stores_in_order()
        ]
        consents = _consents(person)
        categories = {
            field["category"]
            for store in stores
            for row in store["rows"]
            for field in row["fields"]
        }
        if consents:
            categories.add("user.privacy_preferences")
        record_audit(
            "rights.export",
            actor=actor,
            subject_id=person.pk,
            categories=categories,
            reason=f"the person read their data ({delivery})",
            detail={
                "via": via,
                "delivery": delivery,
                "rows": {s["model"]: len(s["rows"]) for s in stores if s["rows"]},
                "consents": len(consents),
            },
        )
    return {
        "format": FORMAT,
        "generated_at": jsonable(timezone.now()),
        "organisation": declaration["organisation"]["name"],
        "person": person.pk,
        "status": person.status,
        "policy_in_force": version.number,
        "stores": stores,
        "consents": consents,
    }


def by_collection_point(export: dict[str, Any]) -> list[dict[str, Any]]:
    """The exported rows grouped by where they were collected, for the page.

    Groups follow the order of the declaration file; the stored declaration is a
    JSON column, whose key order PostgreSQL does not keep.
    """
    declared = configured_declaration().data["collection_points"]
    order = {key: i for i, key in enumerate(declared)}
    groups: dict[str, dict[str, Any]] = {}
    for store in export["stores"]:
        for row in store["rows"]:
            point = row["collection_point"]
            group = groups.setdefault(
                point,
                {
                    "point": point,
                    "label": row["collection_point_label"],
                    "description": declared.get(point, {}).get("description", ""),
                    "rows": [],
                },
            )
            group["rows"].append(row)
    return sorted(groups.values(), key=lambda g: order.get(g["point"], len(order)))
