"""pledge retention apply: enforce the declaration's retention limits now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pledge.rights.retention import apply_retention


class Command(BaseCommand):
    help = "Erase what the declaration's retention rules say is kept no longer."

    def handle(self, *args: Any, **options: Any) -> None:
        for result in apply_retention():
            self.stdout.write(f"{result.rule}: {result.erased} erased")
