"""pledge staff roles: make the roles from the declaration, list them and their members.

``--assign EMAIL ROLE`` and ``--remove EMAIL ROLE`` change who holds a role, through
the same audited actions as the staff admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.staff.roles import (
    ROLE_PERMISSIONS,
    RoleRefused,
    assign_role,
    declared_roles,
    remove_role,
    sync_roles,
)


class Command(BaseCommand):
    help = "Create or update one group per declared staff role; list roles and members."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--assign", nargs=2, metavar=("EMAIL", "ROLE"), help="give a role")
        parser.add_argument("--remove", nargs=2, metavar=("EMAIL", "ROLE"), help="take a role")

    def handle(self, *args: Any, **options: Any) -> None:
        result = sync_roles()
        for verb, keys in (("created", result.created), ("updated", result.updated)):
            for key in keys:
                self.stdout.write(self.style.SUCCESS(f"Role {key}: {verb}."))
        for key in result.retired:
            self.stdout.write(
                self.style.WARNING(f"Group {key}: not a declared role, permissions removed.")
            )
        for option, action, verb in (
            ("assign", assign_role, "given"),
            ("remove", remove_role, "taken"),
        ):
            if options[option]:
                email, role = options[option]
                person = get_user_model().objects.filter(email__iexact=email).first()
                if person is None:
                    raise CommandError(f"no one has an account with the address {email}")
                try:
                    changed = action(person, role, by=None)
                except RoleRefused as refused:
                    raise CommandError(str(refused)) from None
                self.stdout.write(
                    f"Role {role} {verb}: {email}." if changed else f"No change: {email}, {role}."
                )
        self._list()

    def _list(self) -> None:
        people = get_user_model().objects
        for key, role in declared_roles().items():
            self.stdout.write(f"\n{key} — {role['label']}: {role['job']}")
            self.stdout.write(f"  sees: {', '.join(role['categories']) or 'no personal data'}")
            opens = ", ".join(
                f"{label} ({'/'.join(verbs)})"
                for label, verbs in ROLE_PERMISSIONS.get(key, {}).items()
            )
            self.stdout.write(f"  opens: {opens or 'nothing'}")
            members = (
                people.filter(groups__name=key).order_by("email").values_list("email", flat=True)
            )
            self.stdout.write(f"  members: {', '.join(members) or 'none'}")
