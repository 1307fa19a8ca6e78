"""Erasing a person at their request (C21): the registry's rule for every store.

Each model declared with ``@personal_data`` says what erasure does to its rows about
the person: ``delete`` them, ``anonymise`` them (personal fields set to their
declared blank values, the rest kept), or ``keep`` them untouched under a retention
rule of the declaration. The person's own record becomes a tombstone: the number,
the status "erased" and the date, which stop anything being sent to or done for
them again, and nothing that names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from pledge.people.models import Person
from pledge.policy.audit import record_audit
from pledge.policy.registry import PersonalModel, personal_models
from pledge.policy.versions import current_version

from .exceptions import AlreadyErased
from .export import records_label

# The audit trail outlives every erasure by design (AuditEvent.subject_id is a plain
# number, not a link to the person); its retention rule says why.
AUDIT_TRAIL_RULE = "audit_trail"


@dataclass(frozen=True)
class ErasureStep:
    """What erasure does, or did, to one store's rows about the person."""

    model: str
    records: str
    rule: str
    rows: int
    retention: str


def blank_value(field: models.Field) -> Any:
    """The value a personal field takes when erasure anonymises it and none is declared."""
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(
        f"{field.model._meta.label}.{field.name}: declare its anonymised value in @personal_data"
    )


def anonymised_values(pm: PersonalModel) -> dict[str, Any]:
    """Every personal field of the model, with the value it takes when anonymised."""
    meta = pm.model._meta  # type: ignore[attr-defined]
    return {
        name: pm.anonymised[name] if name in pm.anonymised else blank_value(meta.get_field(name))
        for name in pm.fields
    }


def erasure_plan(person: Person) -> list[ErasureStep]:
    """What erasing ``person`` would do now, store by store, for the confirmation page."""
    return [
        ErasureStep(
            model=pm.label,
            records=records_label(pm),
            rule=pm.erasure,
            rows=pm.rows_about(person).count(),
            retention=pm.retention,
        )
        for pm in personal_models()
    ]


def kept_after_erasure() -> list[dict[str, Any]]:
    """The retention rules that explain what stays after an erasure, and why (C21).

    Taken from the registry (every store whose rule is not ``delete`` names one) and
    from the declaration in force, which words them.
    """
    retention = current_version().declaration["retention"]
    keys: list[str] = []
    for pm in personal_models():
        if pm.erasure != "delete" and pm.retention not in keys:
            keys.append(pm.retention)
    if AUDIT_TRAIL_RULE not in keys:
        keys.append(AUDIT_TRAIL_RULE)
    return [{"key": key, **retention[key]} for key in keys if key in retention]


def _tombstone(person: Person, pm: PersonalModel) -> int:
    values = anonymised_values(pm)
    for name, value in values.items():
        setattr(person, name, value)
    person.set_unusable_password()
    person.status = Person.Status.ERASED
    person.erased_at = timezone.now()
    # An erased account holds no privilege, whoever it belonged to.
    person.is_staff = False
    person.is_superuser = False
    person.save(
        update_fields=sorted(
            {*values, "password", "status", "erased_at", "is_staff", "is_superuser"}
        )
    )
    person.groups.clear()
    person.user_permissions.clear()
    return 1


def _apply(pm: PersonalModel, person: Person) -> int:
    rows = pm.rows_about(person)
    if pm.erasure == "delete":
        _, per_model = rows.delete()
        return per_model.get(pm.model._meta.label, 0)  # type: ignore[attr-defined]
    if pm.erasure == "anonymise":
        return rows.update(**anonymised_values(pm))
    return rows.count()


def erase_person(person: Person, *, via: str, actor: Any = None) -> list[ErasureStep]:
    """Erase ``person``: apply every registered store's erasure rule, in one transaction.

    The consent history goes too (no retention rule keeps it; the audit trail still
    shows, by number, that consents were given and withdrawn), and so do the
    person's sessions: both are stores in the registry. The audit row names the
    person by number only. Returns what was done, store by store.
    """
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.status == Person.Status.ERASED:
            raise AlreadyErased()
        steps = []
        categories: set[str] = set()
        own = None
        for pm in personal_models():
            if pm.model is Person:
                own = pm
                continue
            count = _apply(pm, person)
            if count:
                categories.update(pm.fields.values())
            steps.append(
                ErasureStep(
                    pm.label,
                    records_label(pm),
                    pm.erasure,
                    count,
                    pm.retention,
                )
            )
        # The consent history is in the registry like every store: erasure reaches
        # it too (a query delete; Consent.delete() refuses on purpose).
        consents = next((s.rows for s in steps if s.model == "policy.Consent"), 0)
        if own is not None:
            categories.update(own.fields.values())
            steps.insert(
                0,
                ErasureStep(
                    own.label,
                    records_label(own),
                    own.erasure,
                    _tombstone(person, own),
                    own.retention,
                ),
            )
        record_audit(
            "rights.erase",
            actor=actor,
            subject_id=person.pk,
            categories=categories,
            reason="the person's data was erased at their request",
            detail={
                "via": via,
                "stores": {s.model: {"rule": s.rule, "rows": s.rows} for s in steps},
                "consents": consents,
            },
        )
    return steps
