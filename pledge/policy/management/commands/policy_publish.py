"""pledge policy publish [FILE]: make the declaration the policy in force."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.policy.declaration import DeclarationError, load
from pledge.policy.versions import describe, publish_version


class Command(BaseCommand):
    help = "Publish the policy declaration as a new immutable version, if it changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default=str(settings.POLICY_DECLARATION))
        parser.add_argument("--by", default="", help="who publishes (recorded in the version)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            declaration = load(options["file"])
        except DeclarationError as exc:
            raise CommandError(str(exc)) from None
        result = publish_version(declaration, by=options["by"])
        if not result.created:
            self.stdout.write(f"Unchanged: version {result.version.number} stays in force.")
            return
        self.stdout.write(self.style.SUCCESS(f"Published version {result.version.number}."))
        for line in describe(result.changes):
            self.stdout.write(f"  {line}")
        if result.version.material:
            self.stdout.write("  Material change: the sites show a notice.")
