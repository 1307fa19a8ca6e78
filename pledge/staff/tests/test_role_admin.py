"""Managing who holds a role in the staff admin: only through the audited actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group

from pledge.people.models import Person
from pledge.policy.models import AuditEvent


@pytest.fixture
def administrator(client: Any, make_staff: Callable[..., Person]) -> Person:
    person = make_staff("administrator")
    client.force_login(person)
    return person


def role_url(key: str) -> str:
    return f"/staff/staff/role/{Group.objects.get(name=key).pk}/change/"


def test_the_administrator_gives_a_role_by_address(
    client: Any, administrator: Person, make_person: Callable[..., Person]
) -> None:
    hire = make_person("new.hire@example.com")

    response = client.post(role_url("billing_clerk"), {"add_member": "New.Hire@example.com"})

    hire.refresh_from_db()
    assert (response.status_code, hire.is_staff) == (302, True)
    assert list(hire.groups.values_list("name", flat=True)) == ["billing_clerk"]
    event = AuditEvent.objects.get(action="staff.role.assign", subject_id=hire.pk)
    assert (event.actor_id, event.detail) == (administrator.pk, {"role": "billing_clerk"})


def test_the_administrator_takes_a_role_away(
    client: Any, administrator: Person, make_staff: Callable[..., Person]
) -> None:
    clerk = make_staff("billing_clerk")

    response = client.post(role_url("billing_clerk"), {"remove_members": [str(clerk.pk)]})

    clerk.refresh_from_db()
    assert (response.status_code, clerk.is_staff, clerk.groups.count()) == (302, False, 0)
    event = AuditEvent.objects.get(action="staff.role.remove", subject_id=clerk.pk)
    assert (event.actor_id, event.detail) == (administrator.pk, {"role": "billing_clerk"})


def test_an_unknown_address_is_a_form_error_and_changes_nothing(
    client: Any, administrator: Person
) -> None:
    response = client.post(role_url("marketing"), {"add_member": "nobody@example.com"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "add_member": ["No one has an account with this address."]
    }
    assert AuditEvent.objects.filter(action="staff.role.assign", actor=administrator).count() == 0


def test_roles_cannot_be_added_or_deleted_in_the_admin(client: Any, administrator: Person) -> None:
    add = client.get("/staff/staff/role/add/")
    delete = client.post(role_url("marketing").replace("change", "delete"), {"post": "yes"})

    assert (add.status_code, delete.status_code) == (403, 403)
    assert Group.objects.filter(name="marketing").count() == 1


def test_opening_a_role_writes_one_staff_view_of_its_members(
    client: Any, administrator: Person, make_staff: Callable[..., Person]
) -> None:
    clerk = make_staff("billing_clerk")

    client.get(role_url("billing_clerk"))

    event = AuditEvent.objects.filter(action="staff.view").get()
    assert (event.actor_id, event.detail["subjects"], event.categories) == (
        administrator.pk,
        [clerk.pk],
        ["user.contact.email", "user.name"],
    )
