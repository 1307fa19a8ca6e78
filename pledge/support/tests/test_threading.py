"""C11: a mail finds its conversation by its headers, then by the reference in its subject."""

from __future__ import annotations

from typing import Any

from pledge.policy.models import AuditEvent
from pledge.support.intake import take_in
from pledge.support.models import Ticket, TicketMessage

from .conftest import SUPPORT


def test_a_first_mail_opens_a_ticket_for_a_new_address(policy: Any, mail: Any) -> None:
    result = take_in(mail(sender="Grace Hopper <Grace@Example.com>"))

    ticket = result.ticket
    assert result.opened is True
    assert ticket.reference.startswith("CG-")
    assert len(ticket.reference) == len("CG-12345")
    assert (ticket.requester_email, ticket.requester_name) == ("grace@example.com", "Grace Hopper")
    assert ticket.person.email == "grace@example.com"
    assert ticket.person.collection_point == "support_mail"
    assert ticket.collected_under == policy
    assert ticket.state == Ticket.State.NEW
    assert ticket.messages.get(direction="in").body_text.startswith("Hello,")
    audit = AuditEvent.objects.get(action="support.mail_in")
    assert (audit.subject_id, audit.detail["ticket"]) == (ticket.person.pk, ticket.reference)


def test_a_known_address_is_its_person(policy: Any, make_person: Any, mail: Any) -> None:
    ada = make_person("ada@example.com")

    ticket = take_in(mail(sender="ADA <ADA@example.com>")).ticket

    assert ticket.person == ada


def test_in_reply_to_our_acknowledgement_threads(policy: Any, mail: Any) -> None:
    first = take_in(mail())
    ack = first.ticket.messages.get(kind=TicketMessage.Kind.ACKNOWLEDGEMENT)

    second = take_in(mail(subject="Re: something else entirely", in_reply_to=ack.message_id))

    assert second.opened is False
    assert second.ticket == first.ticket
    assert second.ticket.state == Ticket.State.WAITING_ON_US


def test_references_alone_thread_to_the_nearest_known_mail(policy: Any, mail: Any) -> None:
    first = take_in(mail())
    own_id = first.message.message_id

    second = take_in(
        mail(subject="Still broken", references=f"<unknown@elsewhere.example> {own_id}")
    )

    assert second.ticket == first.ticket
    assert Ticket.objects.count() == 1


def test_the_subject_reference_threads_when_headers_are_lost(policy: Any, mail: Any) -> None:
    first = take_in(mail())
    reference = first.ticket.reference

    second = take_in(mail(subject=f"AW: Your question [{reference.lower()}]"))

    assert second.ticket == first.ticket


def test_a_stranger_cannot_write_into_a_ticket_by_its_reference(policy: Any, mail: Any) -> None:
    first = take_in(mail())

    other = take_in(
        mail(sender="mallory@example.net", subject=f"Re: [{first.ticket.reference}] hi")
    )

    assert other.opened is True
    assert other.ticket != first.ticket
    assert first.ticket.messages.filter(direction="in").count() == 1


def test_anything_else_opens_a_new_ticket(policy: Any, mail: Any) -> None:
    first = take_in(mail())

    second = take_in(mail(subject="Another question", in_reply_to="<nobody@nowhere.example>"))

    assert second.opened is True
    assert second.ticket != first.ticket
    assert second.ticket.person == first.ticket.person


def test_the_same_mail_taken_in_twice_is_recorded_once(policy: Any, mail: Any) -> None:
    from pledge.mail.inbound.intake import store

    message = mail()
    row, _ = store(
        message.as_bytes(), mail_from="ada@example.com", recipients=[SUPPORT], via="pipe"
    )

    first = take_in(message, inbound_id=row.pk)
    again = take_in(message, inbound_id=row.pk)
    resent = take_in(message)

    assert again.summary == f"already in {first.ticket.reference}"
    assert resent.message == first.message
    assert TicketMessage.objects.filter(direction="in").count() == 1
    assert row.support_message == first.message


def test_a_closed_ticket_reopens_when_the_customer_writes(policy: Any, mail: Any) -> None:
    from pledge.support.tickets import close

    first = take_in(mail())
    close(first.ticket, by=None)

    second = take_in(mail(in_reply_to=first.message.message_id))

    second.ticket.refresh_from_db()
    assert (second.ticket.state, second.ticket.closed_at) == (Ticket.State.WAITING_ON_US, None)


def test_a_mail_without_a_usable_sender_lands_unanswered(policy: Any) -> None:
    from pledge.support.intake import parse

    raw = (
        b"To: support@claxton.com\r\nSubject: =?bogus-charset?q?Hi?=\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\nHello \xff there\r\n"
    )

    result = take_in(parse(raw))

    assert result.ticket.person is None
    assert result.ticket.requester_email == ""
    assert result.message.body_text == "Hello \ufffd there\n"
    assert result.summary == (
        f"opened {result.ticket.reference}; "
        "no acknowledgement: the sender's address cannot be answered"
    )
