"""`pledge staff roles`: make the roles, list them with their members, change who holds one."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from pledge.people.models import Person
from pledge.policy.models import AuditEvent, PolicyVersion


def run(*args: str) -> str:
    out = StringIO()
    call_command("staff_roles", *args, stdout=out)
    return out.getvalue()


def test_the_command_lists_each_role_with_its_job_and_members(
    make_staff: Callable[..., Person],
) -> None:
    member = make_staff("privacy_officer")

    output = run()

    block = output.split("\nprivacy_officer — ")[1].split("\n\n")[0]
    assert (
        block.splitlines()[0]
        == "Privacy officer: Data requests, legal disclosures and policy versions"
    )
    assert block.splitlines()[-1] == f"  members: {member.email}"


def test_the_command_makes_a_missing_role_group(policy: PolicyVersion) -> None:
    Group.objects.filter(name="marketing").delete()

    output = run()

    assert (output.splitlines()[0], Group.objects.filter(name="marketing").count()) == (
        "Role marketing: created.",
        1,
    )


def test_the_command_assigns_a_role_through_the_audited_action(
    make_person: Callable[..., Person], roles: None
) -> None:
    person = make_person("new.clerk@example.com")

    output = run("--assign", "new.clerk@example.com", "billing_clerk")

    person.refresh_from_db()
    assert output.splitlines()[0] == "Role billing_clerk given: new.clerk@example.com."
    assert (person.is_staff, list(person.groups.values_list("name", flat=True))) == (
        True,
        ["billing_clerk"],
    )
    event = AuditEvent.objects.get(action="staff.role.assign", subject_id=person.pk)
    assert (event.actor_id, event.detail) == (None, {"role": "billing_clerk"})


def test_the_command_refuses_an_undeclared_role(
    make_person: Callable[..., Person], roles: None
) -> None:
    make_person("someone@example.com")

    with pytest.raises(CommandError) as refused:
        run("--assign", "someone@example.com", "janitor")

    assert str(refused.value) == "no role 'janitor' is declared in the policy in force"
