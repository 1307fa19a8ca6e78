"""Data requests that came by mail: opened by the intake, closed by the privacy officer."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from pledge.policy.audit import record_audit

from .models import DataRequest


def close_data_request(request: DataRequest, *, staff: Any, note: str = "") -> bool:
    """Mark a data request answered; True if it was open. Audited (C20, C21)."""
    with transaction.atomic():
        changed = DataRequest.objects.filter(pk=request.pk, status=DataRequest.Status.OPEN).update(
            status=DataRequest.Status.CLOSED, closed_at=timezone.now(), note=note or request.note
        )
        if changed:
            record_audit(
                "mail.data_request_closed",
                actor=staff,
                subject_id=request.person_id,
                reason=f"data request #{request.pk} closed",
            )
    return bool(changed)
