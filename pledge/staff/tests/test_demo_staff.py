"""The demo's staff: one per role, with the documented password, made once."""

from __future__ import annotations

from django.test import Client

from pledge.people.models import Person
from pledge.policy.models import AuditEvent, PolicyVersion
from pledge.staff.demo import DEMO_STAFF_PASSWORD, DemoStaff, create_demo_staff
from pledge.staff.roles import roles_of


def test_create_demo_staff_makes_one_verified_member_of_staff_per_role(
    policy: PolicyVersion,
) -> None:
    rows = create_demo_staff()

    assert rows == [
        DemoStaff("billing_clerk", "billing@claxton.localhost", "pledge-demo-2026"),
        DemoStaff("customer_service", "support@claxton.localhost", "pledge-demo-2026"),
        DemoStaff("marketing", "marketing@claxton.localhost", "pledge-demo-2026"),
        DemoStaff("privacy_officer", "privacy@claxton.localhost", "pledge-demo-2026"),
        DemoStaff("administrator", "admin@claxton.localhost", "pledge-demo-2026"),
    ]
    people = [Person.objects.get(email=row.email) for row in rows]
    assert [(p.is_staff, p.is_verified, p.collection_point, roles_of(p)) for p in people] == [
        (True, True, "staff", [row.role]) for row in rows
    ]
    assert AuditEvent.objects.filter(action="staff.role.assign").count() == 5


def test_create_demo_staff_twice_makes_nothing_new(policy: PolicyVersion) -> None:
    create_demo_staff()

    create_demo_staff()

    assert Person.objects.filter(is_staff=True).count() == 5
    assert AuditEvent.objects.filter(action="staff.role.assign").count() == 5


def test_demo_staff_sign_in_to_the_staff_admin_with_the_documented_password(
    policy: PolicyVersion, client: Client
) -> None:
    create_demo_staff()

    response = client.post(
        "/account/sign-in/?next=/staff/",
        {"email": "privacy@claxton.localhost", "password": DEMO_STAFF_PASSWORD, "next": "/staff/"},
    )

    assert (response.status_code, response["Location"]) == (302, "/staff/")
