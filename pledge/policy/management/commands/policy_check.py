"""pledge policy check [FILE]: validate the declaration without publishing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.policy.declaration import DeclarationError, load


class Command(BaseCommand):
    help = "Validate the policy declaration; print the first error with its line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default=str(settings.POLICY_DECLARATION))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            declaration = load(options["file"])
        except DeclarationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{options['file']}: valid ({len(declaration.purposes)} purposes, "
                f"{len(declaration.data['collection_points'])} collection points)"
            )
        )
