"""The prominent notice of a material change, on every page for a while (C22)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from .models import PolicyVersion
from .versions import describe

NOTICE_DAYS = 30


def notice(request: HttpRequest) -> dict[str, Any]:
    version = PolicyVersion.objects.current()
    if version is None or not version.material:
        return {"policy_notice": None}
    if timezone.now() - version.published_at > timedelta(days=NOTICE_DAYS):
        return {"policy_notice": None}
    return {
        "policy_notice": {
            "number": version.number,
            "published_at": version.published_at,
            "lines": describe(version.changes),
        }
    }
