"""C21, C15: a person's tickets are in their export, and go on erasure or after the rule's days."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from pledge.people.models import Person
from pledge.rights.erasure import erase_person
from pledge.rights.export import export_person_data
from pledge.rights.retention import purge_unverified_accounts
from pledge.support.intake import take_in
from pledge.support.models import Attachment, Ticket, TicketMessage
from pledge.support.retention import purge_closed_tickets
from pledge.support.tickets import close

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 10


def test_the_export_holds_the_tickets_and_their_messages(policy: Any, mail: Any) -> None:
    ticket = take_in(mail(subject="Where is my key?", text="I lost my key.\n")).ticket

    export = export_person_data(ticket.person, via="test")

    stores = {s["model"]: s["rows"] for s in export["stores"]}
    [row] = stores["support.Ticket"]
    fields = {f["field"]: f["value"] for f in row["fields"]}
    assert fields["subject"] == "Where is my key?"
    assert row["collection_point"] == "support_mail"
    assert row["policy_version"] == policy.number
    bodies = [
        {f["field"]: f["value"] for f in r["fields"]}["body_text"]
        for r in stores["support.TicketMessage"]
    ]
    assert bodies[0] == "I lost my key.\n"


def test_erasure_deletes_tickets_messages_and_attachment_files(
    policy: Any, mail: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = take_in(mail(attachments=[("shot.png", "image/png", PNG)])).ticket
    stored = Path(Attachment.objects.get().file.path)
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        erase_person(ticket.person, via="test")

    assert (Ticket.objects.count(), TicketMessage.objects.count()) == (0, 0)
    assert Attachment.objects.count() == 0
    assert not stored.exists()


def test_a_support_requester_outlives_the_unverified_account_rule(policy: Any, mail: Any) -> None:
    ticket = take_in(mail()).ticket
    Person.objects.filter(pk=ticket.person_id).update(
        date_joined=timezone.now() - timedelta(days=30)
    )

    assert purge_unverified_accounts().erased == 0
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_closed_tickets_go_after_the_declared_days_then_their_requester(
    policy: Any, mail: Any
) -> None:
    old = take_in(mail(sender="old@example.com")).ticket
    recent = take_in(mail(sender="recent@example.com")).ticket
    still_open = take_in(mail(sender="open@example.com")).ticket
    close(old, by=None)
    close(recent, by=None)
    long_ago = timezone.now() - timedelta(days=731)
    Ticket.objects.filter(pk=old.pk).update(closed_at=long_ago)
    Ticket.objects.filter(pk=still_open.pk).update(opened_at=long_ago)
    Person.objects.filter(email__in=["old@example.com", "open@example.com"]).update(
        date_joined=long_ago
    )

    result = purge_closed_tickets()

    assert set(Ticket.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
    assert result.people == 1
    assert Person.objects.get(pk=old.person_id).status == Person.Status.ERASED
    assert Person.objects.get(pk=still_open.person_id).status == Person.Status.ACTIVE
