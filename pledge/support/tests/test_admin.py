"""C11, C20: customer service reads and answers tickets in the admin; others may not; all audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy.models import AuditEvent
from pledge.staff.roles import assign_role, sync_roles
from pledge.staff.trail import STAFF_VIEW
from pledge.support.intake import take_in
from pledge.support.models import Ticket, TicketMessage

QUOTED_MAIL = (
    "It still stops at the splash screen.\n\n"
    "On Tue, 3 Mar 2026, Customer service wrote:\n> Please reinstall.\n"
)


@pytest.fixture
def staff(policy: Any) -> Any:
    sync_roles()
    made: dict[str, Person] = {}

    def make(role: str) -> Person:
        if role not in made:
            person = Person.objects.create_user(
                f"{role}@claxton.localhost",
                "staff password 2026",
                point="staff",
                name=role.replace("_", " ").title(),
                email_verified_at=timezone.now(),
            )
            assign_role(person, role, by=None)
            made[role] = person
        return made[role]

    return make


@pytest.fixture
def ticket(policy: Any, mail: Any) -> Ticket:
    return take_in(
        mail(
            text=QUOTED_MAIL,
            attachments=[("error log.txt", "text/plain", b"error 0x80070005\n")],
        )
    ).ticket


def page_of(ticket: Ticket) -> str:
    return f"/staff/support/ticket/{ticket.pk}/change/"


def test_customer_service_reads_the_conversation_quotes_folded_and_it_is_audited(
    client: Any, staff: Any, ticket: Ticket
) -> None:
    viewer = staff("customer_service")
    client.force_login(viewer)

    response = client.get(page_of(ticket))

    html = response.content.decode()
    assert response.status_code == 200
    assert "It still stops at the splash screen." in html
    quoted = re.search(r"<details class=\"support-quoted\">(.*?)</details>", html, re.S)
    assert quoted is not None
    assert "&gt; Please reinstall." in quoted.group(1)
    assert "error log.txt" in html
    assert "text/plain, 17\xa0bytes" in html
    assert re.findall(r"<script(?![^>]*src=)|<style|style=\"", html) == []
    event = AuditEvent.objects.filter(action=STAFF_VIEW).get()
    assert (event.actor_id, event.subject_id) == (viewer.pk, ticket.person_id)
    assert sorted(event.categories) == ["user.contact.email", "user.content.private", "user.name"]
    assert event.detail["page"] == f"support ticket {ticket.reference}"


def test_the_ticket_list_is_audited_with_every_person_shown(
    client: Any, staff: Any, ticket: Ticket
) -> None:
    client.force_login(staff("customer_service"))

    response = client.get("/staff/support/ticket/")

    assert response.status_code == 200
    assert ticket.reference in response.content.decode()
    event = AuditEvent.objects.filter(action=STAFF_VIEW).get()
    assert event.detail["subjects"] == [ticket.person_id]


@pytest.mark.parametrize("role", ["marketing", "billing_clerk", "privacy_officer"])
def test_other_roles_cannot_open_a_ticket(
    client: Any, staff: Any, ticket: Ticket, role: str
) -> None:
    client.force_login(staff(role))

    detail = client.get(page_of(ticket))
    listing = client.get("/staff/support/ticket/")
    posted = client.post(page_of(ticket), {"do": "reply", "text": "Hello"})

    assert (detail.status_code, listing.status_code, posted.status_code) == (403, 403, 403)
    assert AuditEvent.objects.filter(action__in=[STAFF_VIEW, "support.reply"]).count() == 0
    assert OutboundMessage.objects.filter(template="support/reply").count() == 0


def test_a_reply_leaves_by_mail_in_the_thread_and_the_answer_lands_in_the_ticket(
    client: Any, staff: Any, ticket: Ticket, mail: Any, smtp_sink: Any
) -> None:
    agent = staff("customer_service")
    client.force_login(agent)
    first = ticket.messages.get(direction="in")

    response = client.post(page_of(ticket), {"do": "reply", "text": "Please run the repair tool."})
    deliver_due()

    assert response.status_code == 302
    answer = smtp_sink.messages[-1].message
    assert answer["Subject"] == f"Re: ContactGenie will not start [{ticket.reference}]"
    assert answer["From"].addresses[0].addr_spec == "support@claxton.com"
    assert answer["In-Reply-To"] == first.message_id
    assert answer["References"] == first.message_id
    assert answer["Auto-Submitted"] == "no"
    assert answer.get_body(("plain",)).get_content().startswith("Please run the repair tool.")
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.WAITING_ON_CUSTOMER
    audit = AuditEvent.objects.get(action="support.reply")
    assert (audit.actor_id, audit.subject_id) == (agent.pk, ticket.person_id)

    back = take_in(
        mail(
            subject=f"Re: ContactGenie will not start [{ticket.reference}]",
            text="That fixed it, thank you.\n",
            in_reply_to=answer["Message-ID"],
            references=f"{answer['References']} {answer['Message-ID']}",
        )
    )

    assert back.ticket == ticket
    assert [m.kind for m in ticket.messages.all()] == ["mail", "acknowledgement", "reply", "mail"]
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.WAITING_ON_US


def test_an_empty_reply_is_refused_with_a_message_and_nothing_sent(
    client: Any, staff: Any, ticket: Ticket
) -> None:
    client.force_login(staff("customer_service"))

    response = client.post(page_of(ticket), {"do": "reply", "text": "   "})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert TicketMessage.objects.filter(kind="reply").count() == 0


def test_assign_and_close_are_audited(client: Any, staff: Any, ticket: Ticket) -> None:
    agent = staff("customer_service")
    client.force_login(agent)

    client.post(page_of(ticket), {"do": "assign", "assigned_to": agent.pk})
    client.post(page_of(ticket), {"do": "state", "state": "closed"})

    ticket.refresh_from_db()
    assert ticket.assigned_to == agent
    assert ticket.state == Ticket.State.CLOSED
    assert ticket.closed_at is not None
    actions = list(
        AuditEvent.objects.filter(action__startswith="support.", actor=agent)
        .order_by("id")
        .values_list("action", "reason")
    )
    assert actions == [
        ("support.assign", f"{ticket.reference} assigned to staff #{agent.pk}"),
        ("support.state", f"{ticket.reference}: new → closed"),
    ]


def test_a_ticket_goes_only_to_customer_service(client: Any, staff: Any, ticket: Ticket) -> None:
    client.force_login(staff("customer_service"))
    marketer = staff("marketing")

    response = client.post(page_of(ticket), {"do": "assign", "assigned_to": marketer.pk})

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assigned_to is None


def test_the_ticket_page_costs_the_same_queries_for_one_mail_and_for_three(
    client: Any, staff: Any, mail: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff("customer_service"))
    short = take_in(mail(subject="One")).ticket
    long = take_in(mail(subject="Three", attachments=[("a.txt", "text/plain", b"a")])).ticket
    for n in range(2):
        take_in(
            mail(
                subject=f"Re: [{long.reference}]",
                text=f"More {n}\n",
                attachments=[("b.txt", "text/plain", b"b")],
            )
        )
    client.get(page_of(short))  # the session, the permissions: read once

    counts = []
    for ticket in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_of(ticket)).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
