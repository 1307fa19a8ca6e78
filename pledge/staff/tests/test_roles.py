"""Roles from the declaration: groups, permissions, membership actions and their trail."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission

from pledge.people.models import Person
from pledge.policy.declaration import Declaration
from pledge.policy.models import AuditEvent, PolicyVersion
from pledge.policy.versions import publish_version
from pledge.staff.roles import (
    ROLE_PERMISSIONS,
    RoleRefused,
    UnknownRole,
    assign_role,
    categories_for,
    declared_roles,
    remove_role,
    roles_of,
    sync_roles,
)


def perms(role_key: str) -> set[str]:
    group = Group.objects.get(name=role_key)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_migrate_made_one_group_per_declared_role(db: Any) -> None:
    names = set(Group.objects.values_list("name", flat=True))

    assert names == set(declared_roles())


def test_every_declared_role_has_a_row_in_the_permission_table(policy: PolicyVersion) -> None:
    assert set(declared_roles()) == set(ROLE_PERMISSIONS)


def test_sync_roles_gives_each_group_exactly_the_tables_permissions(policy: PolicyVersion) -> None:
    sync_roles()

    assert perms("marketing") == {
        "mail.view_outboundmessage",
        "mail.view_messageevent",
        "mail.view_domainbackoff",
        "mail.retry_domainbackoff",
        "policy.view_policyversion",
        "shop.view_product",
        "campaigns.view_campaign",
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "analytics.view_dailycount",
    }
    assert perms("billing_clerk") == {
        "people.view_person",
        "licensing.view_registration",
        "licensing.revoke_registration",
        "licensing.reissue_registration",
        "licensing.view_licensekey",
        "mail.view_outboundmessage",
        "mail.view_messageevent",
        "mail.view_domainbackoff",
        "policy.view_policyversion",
        "shop.view_product",
        "shop.add_product",
        "shop.change_product",
        "campaigns.view_campaign",
        "orders.view_order",
        "orders.refund_order",
        "orders.contact_order",
        "orders.view_specialprice",
        "orders.add_specialprice",
        "orders.change_specialprice",
    }
    assert {"staff.view_role", "staff.change_role"} <= perms("administrator")


def test_marketing_has_no_permission_on_people(policy: PolicyVersion) -> None:
    sync_roles()

    assert [p for p in perms("marketing") if p.startswith("people.")] == []


def test_sync_roles_twice_changes_nothing(policy: PolicyVersion) -> None:
    sync_roles()

    again = sync_roles()

    assert (again.created, again.updated, again.retired) == ([], [], [])


def test_sync_roles_restores_a_permission_taken_by_hand(policy: PolicyVersion) -> None:
    sync_roles()
    Group.objects.get(name="privacy_officer").permissions.remove(
        Permission.objects.get(codename="view_auditevent")
    )

    result = sync_roles()

    assert (result.updated, "policy.view_auditevent" in perms("privacy_officer")) == (
        ["privacy_officer"],
        True,
    )


def test_a_group_whose_role_left_the_declaration_loses_its_permissions(
    policy: PolicyVersion,
) -> None:
    data = copy.deepcopy(policy.declaration)
    del data["roles"]["marketing"]
    publish_version(Declaration(data=data, source="test"))

    result = sync_roles()

    assert (result.retired, perms("marketing")) == (["marketing"], set())


def test_assign_role_adds_the_group_makes_staff_and_is_audited(
    make_person: Callable[..., Person], make_staff: Callable[..., Person]
) -> None:
    person = make_person("new.hire@example.com")
    admin = make_staff("administrator")

    changed = assign_role(person, "customer_service", by=admin)

    person.refresh_from_db()
    assert (changed, person.is_staff, roles_of(person)) == (True, True, ["customer_service"])
    event = AuditEvent.objects.filter(action="staff.role.assign").latest("id")
    assert (event.actor_id, event.subject_id, event.detail) == (
        admin.pk,
        person.pk,
        {"role": "customer_service"},
    )


def test_assigning_a_held_role_again_changes_nothing_and_writes_nothing(
    make_person: Callable[..., Person], roles: None
) -> None:
    person = make_person()
    assign_role(person, "marketing", by=None)

    changed = assign_role(person, "marketing", by=None)

    count = AuditEvent.objects.filter(action="staff.role.assign", subject_id=person.pk).count()
    assert (changed, count) == (False, 1)


def test_an_undeclared_role_is_refused(make_person: Callable[..., Person], roles: None) -> None:
    person = make_person()

    with pytest.raises(UnknownRole):
        assign_role(person, "janitor", by=None)

    assert AuditEvent.objects.filter(action="staff.role.assign").count() == 0


def test_a_deactivated_person_cannot_hold_a_role(
    make_person: Callable[..., Person], roles: None
) -> None:
    person = make_person(status=Person.Status.DEACTIVATED)

    with pytest.raises(RoleRefused):
        assign_role(person, "marketing", by=None)

    assert (person.groups.count(), AuditEvent.objects.filter(subject_id=person.pk).count()) == (
        0,
        0,
    )


def test_removing_the_last_role_ends_staff_status_and_is_audited(
    make_staff: Callable[..., Person],
) -> None:
    person = make_staff("marketing", "billing_clerk")

    first = remove_role(person, "marketing", by=None)
    person.refresh_from_db()
    still_staff = person.is_staff
    second = remove_role(person, "billing_clerk", by=None)
    person.refresh_from_db()

    assert (first, still_staff, second, person.is_staff) == (True, True, True, False)
    removed = AuditEvent.objects.filter(action="staff.role.remove", subject_id=person.pk)
    assert sorted(e.detail["role"] for e in removed) == ["billing_clerk", "marketing"]


def test_removing_a_role_not_held_writes_nothing(make_staff: Callable[..., Person]) -> None:
    person = make_staff("marketing")

    changed = remove_role(person, "billing_clerk", by=None)

    assert (changed, AuditEvent.objects.filter(action="staff.role.remove").count()) == (False, 0)


def test_categories_are_the_union_of_the_roles_categories(
    make_staff: Callable[..., Person],
) -> None:
    person = make_staff("billing_clerk", "customer_service")

    categories = categories_for(person)

    roles = declared_roles()
    expected = set(roles["billing_clerk"]["categories"]) | set(
        roles["customer_service"]["categories"]
    )
    assert categories == expected


def test_a_superuser_counts_as_administrator(make_staff: Callable[..., Person]) -> None:
    person = make_staff(superuser=True)

    assert (roles_of(person), categories_for(person)) == (
        ["administrator"],
        frozenset(declared_roles()["administrator"]["categories"]),
    )


def test_marketing_sees_no_category(make_staff: Callable[..., Person]) -> None:
    assert categories_for(make_staff("marketing")) == frozenset()


def test_categories_follow_the_version_in_force(make_staff: Callable[..., Person]) -> None:
    person = make_staff("billing_clerk")
    data = copy.deepcopy(PolicyVersion.objects.current().declaration)
    data["roles"]["billing_clerk"]["categories"] = ["user.contact.email"]

    publish_version(Declaration(data=data, source="test"))

    assert categories_for(person) == frozenset({"user.contact.email"})
