"""The audit trail of staff access: every staff view of a person's record (C20, C12)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from pledge.policy.audit import record_audit
from pledge.policy.models import AuditEvent

from .roles import StaffAccess

STAFF_VIEW = "staff.view"


def record_staff_view(
    viewer: Any,
    access: StaffAccess,
    *,
    page: str,
    path: str,
    categories: Iterable[str],
    subject_id: int | None = None,
    subjects: Iterable[int] = (),
) -> AuditEvent:
    """Write that ``viewer`` saw a person's record, or a list of people, and why.

    One row per page: a detail page names its person in ``subject_id``; a list
    names every person shown in ``detail["subjects"]``. ``categories`` are only
    those shown unmasked; the reason is the viewer's jobs from the declaration,
    so the trail shows that only those who needed the information saw it.
    """
    detail: dict[str, Any] = {"page": page, "path": path, "roles": list(access.roles)}
    subjects = sorted(set(subjects))
    if subjects:
        detail["subjects"] = subjects
    with transaction.atomic():
        return record_audit(
            STAFF_VIEW,
            actor=viewer,
            subject_id=subject_id,
            categories=categories,
            reason=f"{access.reason} — {page}",
            detail=detail,
        )
