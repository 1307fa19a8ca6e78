"""C20, C12: the audit trail is append-only, in the admin as in the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pledge.people.models import Person
from pledge.policy.audit import record_audit
from pledge.policy.models import AuditEvent, ImmutableRowError
from pledge.staff.tests.conftest import Planted


@pytest.fixture
def event(planted: Planted) -> AuditEvent:
    return AuditEvent.objects.filter(action="consent.grant").get()


@pytest.mark.parametrize("superuser", [False, True], ids=["administrator", "superuser"])
def test_no_one_can_change_an_audit_event_in_the_admin(
    client: Any, make_staff: Callable[..., Person], event: AuditEvent, superuser: bool
) -> None:
    client.force_login(make_staff(*(() if superuser else ("administrator",)), superuser=superuser))

    response = client.post(f"/staff/policy/auditevent/{event.pk}/change/", {"reason": "edited"})

    event.refresh_from_db()
    assert (response.status_code, event.reason) == (403, "newsletter via form")


@pytest.mark.parametrize("superuser", [False, True], ids=["administrator", "superuser"])
def test_no_one_can_delete_an_audit_event_in_the_admin(
    client: Any, make_staff: Callable[..., Person], event: AuditEvent, superuser: bool
) -> None:
    client.force_login(make_staff(*(() if superuser else ("administrator",)), superuser=superuser))

    response = client.post(f"/staff/policy/auditevent/{event.pk}/delete/", {"post": "yes"})

    assert (response.status_code, AuditEvent.objects.filter(pk=event.pk).count()) == (403, 1)


def test_no_one_can_add_an_audit_event_in_the_admin(
    client: Any, make_staff: Callable[..., Person], event: AuditEvent
) -> None:
    client.force_login(make_staff(superuser=True))
    before = AuditEvent.objects.count()

    response = client.post("/staff/policy/auditevent/add/", {"action": "forged"})

    assert (response.status_code, AuditEvent.objects.count()) == (403, before)


def test_the_audit_list_has_no_delete_action(
    client: Any, make_staff: Callable[..., Person], event: AuditEvent
) -> None:
    client.force_login(make_staff(superuser=True))

    response = client.post(
        "/staff/policy/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert (response.status_code, AuditEvent.objects.filter(pk=event.pk).count()) == (200, 1)


def test_the_model_refuses_to_change_or_delete_an_audit_event(event: AuditEvent) -> None:
    event.reason = "edited"

    with pytest.raises(ImmutableRowError):
        event.save()
    with pytest.raises(ImmutableRowError):
        event.delete()

    assert AuditEvent.objects.get(pk=event.pk).reason == "newsletter via form"


def test_the_audit_list_filters_by_action_actor_and_date(
    client: Any, make_staff: Callable[..., Person], event: AuditEvent
) -> None:
    officer = make_staff("privacy_officer")
    record_audit("disclosure.approve", actor=officer, subject_id=event.subject_id)
    client.force_login(officer)
    day = {"at__year": event.at.year, "at__month": event.at.month, "at__day": event.at.day}

    by_action = client.get("/staff/policy/auditevent/", {"action": "consent.grant"})
    by_actor = client.get("/staff/policy/auditevent/", {"actor": f"#{officer.pk}"})
    by_system = client.get("/staff/policy/auditevent/", {"actor": "system"})
    by_date = client.get("/staff/policy/auditevent/", day)

    actions = [
        sorted({e.action for e in r.context["cl"].result_list})
        for r in (by_action, by_actor, by_system, by_date)
    ]
    assert actions == [
        ["consent.grant"],
        ["disclosure.approve"],
        ["policy.publish", "staff.role.assign"],
        ["consent.grant", "disclosure.approve", "policy.publish", "staff.role.assign"],
    ]
