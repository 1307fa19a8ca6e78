"""Deactivating an account at the person's request (C21, C22)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from pledge.people.models import Person
from pledge.policy.audit import record_audit
from pledge.policy.external import sessions_of

from .exceptions import AccountNotActive


def deactivate_person(person: Person, *, via: str, actor: Any = None) -> Person:
    """Deactivate the account: no sign-in, no contact of any kind, data kept.

    The status is the one switch: the sign-in backend admits only active people and
    the gate refuses every purpose but a legal one to a deactivated person, so mail
    already queued for them is refused when the worker comes to send it. ``is_active``
    is left alone: it is staff's lock on an account, a different thing. The person's
    sessions end now rather than at their next request.
    """
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.status != Person.Status.ACTIVE:
            raise AccountNotActive(person.status)
        person.status = Person.Status.DEACTIVATED
        person.deactivated_at = timezone.now()
        person.save(update_fields=["status", "deactivated_at"])
        ended, _ = sessions_of(person).delete()
        record_audit(
            "rights.deactivate",
            actor=actor,
            subject_id=person.pk,
            reason="the person deactivated their account",
            detail={"via": via, "sessions_ended": ended},
        )
    return person
