from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from pledge.policy.loaded import configured_declaration


def site(request: HttpRequest) -> dict[str, Any]:
    org = configured_declaration().data["organisation"]
    return {"site": getattr(request, "site", None), "organisation": org}
