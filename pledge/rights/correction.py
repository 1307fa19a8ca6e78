"""Correcting one's own details (C21), limited to what the registry marks correctable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from pledge.people.digests import normalise_email
from pledge.people.models import Person
from pledge.people.profile import request_email_change
from pledge.policy.audit import record_audit
from pledge.policy.loaded import configured_declaration
from pledge.policy.registry import declared_personal

from .exceptions import AccountNotActive, NotCorrectable


def correctable_fields(model: type) -> tuple[str, ...]:
    """The fields of a person's own record that they may correct themselves."""
    entry = declared_personal(model)
    if entry is None or entry.subject != "" or entry.rows is not None:
        return ()
    return entry.correctable


@dataclass(frozen=True)
class Correction:
    """What a correction did: fields changed now, and whether a new address awaits its link."""

    changed: tuple[str, ...]
    email_pending: bool


def correct_person(
    person: Person, changes: dict[str, Any], *, via: str, site: str = "", actor: Any = None
) -> Correction:
    """Apply the person's corrections to their own record.

    Only fields the registry marks correctable are accepted; any other raises
    NotCorrectable and nothing changes. A new email address does not take effect
    here: a link is mailed to it, and the address changes when that link is followed
    (``pledge.people.profile.request_email_change``), so an account cannot be moved
    to an address its holder does not read. The audit row names the fields, never
    their old or new values.
    """
    allowed = correctable_fields(Person)
    refused = sorted(set(changes) - set(allowed))
    if refused:
        raise NotCorrectable(refused)
    email_field = person.get_email_field_name()
    site = site or person.site or next(iter(configured_declaration().sites))
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.status != Person.Status.ACTIVE:
            raise AccountNotActive(person.status)
        changed = []
        for name, value in changes.items():
            if name == email_field:
                continue
            field = person._meta.get_field(name)
            assert isinstance(field, models.Field)  # a correctable field is a column
            value = field.clean(value, person)
            if getattr(person, name) != value:
                setattr(person, name, value)
                changed.append(name)
        if changed:
            person.save(update_fields=changed)
        new_email = changes.get(email_field) or ""
        email_pending = bool(new_email) and normalise_email(new_email) != normalise_email(
            person.email or ""
        )
        if email_pending:
            request_email_change(person, new_email, site=site)
        fields = [*changed, *([email_field] if email_pending else [])]
        if fields:
            categories = declared_personal(Person).fields  # type: ignore[union-attr]
            record_audit(
                "rights.correct",
                actor=actor,
                subject_id=person.pk,
                categories=[categories[name] for name in fields],
                reason="the person corrected their details",
                detail={
                    "via": via,
                    "fields": changed,
                    "pending": [email_field] if email_pending else [],
                },
            )
    return Correction(changed=tuple(changed), email_pending=email_pending)
