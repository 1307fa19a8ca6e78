"""The one path that stamps collected personal data with its policy version (C22)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .registry import declared_personal
from .versions import current_version


def stamp(instance: Any, point: str) -> Any:
    """Mark a new row with the policy version in force and its collection point.

    Refuses a collection point the policy in force does not declare, so nothing is
    collected that the published statement does not announce.
    """
    version = current_version()
    if point not in version.declaration["collection_points"]:
        raise ValueError(f"collection point {point!r} is not declared in the policy in force")
    entry = declared_personal(type(instance))
    if entry is not None and entry.version_field:
        setattr(instance, entry.version_field, version)
    if hasattr(instance, "collection_point"):
        instance.collection_point = point
    if hasattr(instance, "collected_at") and getattr(instance, "collected_at", None) is None:
        instance.collected_at = timezone.now()
    return instance
