"""Staff see mail in with what it was, why and what was done; by role, and audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from pledge.mail.inbound.intake import receive
from pledge.mail.inbound.models import DataRequest
from pledge.people.models import Person
from pledge.policy.models import AuditEvent
from pledge.staff.roles import assign_role, sync_roles

SUPPORT_MAIL = (
    b"From: Buyer <buyer@example.org>\nTo: support@claxton.com\nSubject: Key\n\nIt fails.\n"
)
PRIVACY_MAIL = (
    b"From: Asker <asker@example.org>\nTo: privacy@claxton.com\nSubject: My data\n\nAll of it.\n"
)


@pytest.fixture
def make_staff(make_person: Callable[..., Person]) -> Callable[[str], Person]:
    sync_roles()

    def make(role: str) -> Person:
        person = make_person(f"{role}@claxton.localhost", name=f"{role} staff", point="staff")
        assign_role(person, role, by=None)
        return person

    return make


def stored(raw: bytes, to: str) -> Any:
    row, _ = receive(raw, mail_from="someone@example.org", recipients=[to], via="lmtp")
    row.refresh_from_db()
    return row


def test_customer_service_downloads_a_message_exactly_as_received_and_it_is_audited(
    client, make_staff
) -> None:
    row = stored(SUPPORT_MAIL, "support@claxton.com")
    viewer = make_staff("customer_service")
    client.force_login(viewer)

    detail = client.get(reverse("admin:mail_inboundmessage_change", args=[row.pk]))
    response = client.get(reverse("admin:mail_inboundmessage_raw", args=[row.pk]))

    assert detail.status_code == 200
    assert (response.status_code, response.content, response["Content-Type"]) == (
        200,
        SUPPORT_MAIL,
        "message/rfc822",
    )
    audit = AuditEvent.objects.filter(action="staff.view", actor=viewer).latest("id")
    assert audit.detail["page"] == f"inbound message #{row.pk}, downloaded"


def test_the_privacy_officer_sees_requests_but_not_the_mails_content(client, make_staff) -> None:
    row = stored(PRIVACY_MAIL, "privacy@claxton.com")
    client.force_login(make_staff("privacy_officer"))

    requests = client.get(reverse("admin:mail_datarequest_changelist"))
    download = client.get(reverse("admin:mail_inboundmessage_raw", args=[row.pk]))

    assert requests.status_code == 200
    assert list(requests.context["cl"].result_list) == [DataRequest.objects.get()]
    assert download.status_code == 403


def test_the_privacy_officer_closes_a_request_and_it_is_audited(client, make_staff) -> None:
    stored(PRIVACY_MAIL, "privacy@claxton.com")
    officer = make_staff("privacy_officer")
    client.force_login(officer)
    request = DataRequest.objects.get()

    response = client.post(
        reverse("admin:mail_datarequest_changelist"),
        {"action": "close", "_selected_action": [request.pk]},
    )

    request.refresh_from_db()
    assert (response.status_code, request.status) == (302, "closed")
    closed = AuditEvent.objects.get(action="mail.data_request_closed")
    assert (closed.actor, closed.reason) == (officer, f"data request #{request.pk} closed")


def test_marketing_cannot_open_mail_in(client, make_staff) -> None:
    stored(SUPPORT_MAIL, "support@claxton.com")
    client.force_login(make_staff("marketing"))

    response = client.get(reverse("admin:mail_inboundmessage_changelist"))

    assert response.status_code == 403
