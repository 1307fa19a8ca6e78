"""`pledge check` reads the license keyring, so a bad key stops the start, not the first sale."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .keyring import keyring


@checks.register("licensing")
def check_keyring(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        keyring()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="licensing.E001")]
    return []
