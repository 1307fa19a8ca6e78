"""Recording consent: the one path that grants or withdraws it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from .audit import record_audit
from .gate import GateRefused
from .models import Consent, ConsentState
from .versions import current_version


def record_consent(
    person: Any,
    purpose: str,
    *,
    granted: bool,
    via: str,
    collection_point: str,
    site: str = "",
    scope: str = "",
    actor: Any = None,
) -> Consent:
    """Grant or withdraw consent for a purpose, under the policy version in force.

    Writes the history row, moves the standing state and audits, in one transaction.
    A purpose the policy in force does not declare cannot be consented to.
    """
    with transaction.atomic():
        version = current_version()
        if version.purpose(purpose) is None:
            raise GateRefused(purpose, "not a purpose declared in the policy in force")
        now = timezone.now()
        consent = Consent.objects.create(
            person=person,
            purpose=purpose,
            scope=scope,
            granted=granted,
            at=now,
            via=via,
            collection_point=collection_point,
            site=site,
            policy_version=version,
        )
        ConsentState.objects.update_or_create(
            person=person,
            purpose=purpose,
            scope=scope,
            defaults={
                "granted": granted,
                "since": now,
                "policy_version": version,
                "latest": consent,
            },
        )
        record_audit(
            "consent.grant" if granted else "consent.withdraw",
            actor=actor,
            subject_id=person.pk,
            reason=f"{purpose}{':' + scope if scope else ''} via {via}",
            detail={"purpose": purpose, "scope": scope, "version": version.number},
        )
    return consent


def standing_consents(person: Any) -> dict[tuple[str, str], bool]:
    return {(s.purpose, s.scope): s.granted for s in ConsentState.objects.filter(person=person)}
