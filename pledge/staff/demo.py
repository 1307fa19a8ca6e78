"""Demo staff: one member of staff per declared role, for `make run` to print."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .roles import assign_role, declared_roles

# The demo's shared staff password, printed by `make run` and given in the README.
# Demo only: production staff set their own.
DEMO_STAFF_PASSWORD = "pledge-demo-2026"
DEMO_STAFF_DOMAIN = "claxton.localhost"
MAILBOXES = {
    "billing_clerk": "billing",
    "customer_service": "support",
    "marketing": "marketing",
    "privacy_officer": "privacy",
    "administrator": "admin",
}


@dataclass(frozen=True)
class DemoStaff:
    role: str
    email: str
    password: str


def create_demo_staff() -> list[DemoStaff]:
    """Make one verified member of staff per declared role, in that role's group.

    Running again creates nothing and keeps existing passwords: it only gives back
    a role someone lost. Returns (role, email, password) for every role.
    """
    people = get_user_model().objects
    rows = []
    for key, role in declared_roles().items():
        email = f"{MAILBOXES.get(key, key)}@{DEMO_STAFF_DOMAIN}"
        with transaction.atomic():
            person = people.filter(email__iexact=email).first()
            if person is None:
                person = people.create_user(
                    email,
                    DEMO_STAFF_PASSWORD,
                    point="staff",
                    name=f"{role['label']} (demo)",
                    email_verified_at=timezone.now(),
                    is_staff=True,
                )
            assign_role(person, key, by=None)
        rows.append(DemoStaff(key, email, DEMO_STAFF_PASSWORD))
    return rows
