"""The declaration file as configured, read once per process."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from .declaration import Declaration, load


@cache
def configured_declaration() -> Declaration:
    return load(settings.POLICY_DECLARATION)
