"""Mail with NUL characters becomes a ticket on every database; its raw bytes stay as received.

PostgreSQL refuses NUL in text columns, and mail programs (and spammers) do send
them: support stores the mail's texts without them, the inbound row keeps the bytes.
"""

from __future__ import annotations

from typing import Any

import pytest

from pledge.mail.inbound.intake import receive
from pledge.mail.inbound.models import InboundMessage
from pledge.support.models import Attachment, Ticket, TicketMessage

from .conftest import SUPPORT

RAW = (
    b"From: Ada\x00 Lovelace <ada@example.com>\r\n"
    b"To: support@claxton.com\r\n"
    b"Subject: Contact\x00Genie will not\x00 start\r\n"
    b"Message-ID: <nul-1@mail.\x00example.com>\r\n"
    b"X-Mailer: Old\x00Mail 1.0\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n'
    b"\r\n"
    b"--b\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello,\x00\r\nContactGenie stops at the\x00 splash screen.\r\nAda\r\n"
    b"--b\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b'Content-Disposition: attachment; filename="start\x00up.log"\r\n'
    b"\r\n"
    b"line one\x00\r\n"
    b"--b--\r\n"
)


@pytest.mark.usefixtures("attachment_dir")
def test_a_mail_with_nul_characters_in_subject_and_body_becomes_a_ticket(policy: Any) -> None:
    row, created = receive(RAW, mail_from="ada@example.com", recipients=[SUPPORT], via="pipe")

    row = InboundMessage.objects.get(pk=row.pk)
    ticket = Ticket.objects.get()
    entry = TicketMessage.objects.get(direction="in")
    assert created
    assert (row.kind, row.action) == (
        "support",
        f"support: opened {ticket.reference}; 1 attachment(s), 0 refused; acknowledged",
    )
    assert ticket.subject == "ContactGenie will not start"
    assert (ticket.requester_name, ticket.requester_email) == ("Ada Lovelace", "ada@example.com")
    assert ticket.person.name == "Ada Lovelace"
    assert entry.body_text == "Hello,\nContactGenie stops at the splash screen.\nAda"
    assert entry.message_id == "<nul-1@mail.example.com>"
    assert Attachment.objects.get().filename == "startup.log"
    assert bytes(row.raw) == RAW  # the mail as received, NULs and all


@pytest.mark.usefixtures("attachment_dir")
def test_the_same_mail_taken_in_twice_is_one_ticket_message(policy: Any) -> None:
    first, _ = receive(RAW, mail_from="ada@example.com", recipients=[SUPPORT], via="pipe")
    again = RAW.replace(b"To: support", b"Received: by mx2\r\nTo: support")
    receive(again, mail_from="ada@example.com", recipients=[SUPPORT], via="lmtp")

    assert Ticket.objects.count() == 1
    assert TicketMessage.objects.filter(direction="in").count() == 1
