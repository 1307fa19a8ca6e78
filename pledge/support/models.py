"""Support tickets: conversations with customers, strictly by email (C11, C15).

A ticket opens when a person's mail reaches the support address and threads into
no conversation we know; every mail in or out is a ``TicketMessage``; files that
came with a mail are ``Attachment`` rows whose bytes live in storage, outside the
database. All of it is problem-resolution data (``user.content.private``): only
customer service reads it, each read is audited, and it is never part of a
business-transfer export (C15).
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models

from pledge.policy.registry import not_personal, personal_data

POINT = "support_mail"
RETENTION = "support_mail"


class AttachmentStorage(FileSystemStorage):
    """Files under ``PLEDGE_SUPPORT_ATTACHMENT_DIR``, read at each use, not at import."""

    @property
    def base_location(self) -> str:
        return str(settings.SUPPORT_ATTACHMENT_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def attachment_storage() -> Storage:
    """Where attachment bytes are kept: ``PLEDGE_SUPPORT_ATTACHMENT_DIR``, not the database."""
    return AttachmentStorage()


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        return self.exclude(state=Ticket.State.CLOSED)


@not_personal(reference="a number we make for the conversation; it names no one")
@personal_data(
    subject="person",
    point=POINT,
    fields={
        "requester_email": "user.contact.email",
        "requester_name": "user.name",
        "subject": "user.content.private",
    },
    erasure="delete",
)
class Ticket(models.Model):
    """One conversation with one customer, opened by their mail to the support address.

    ``person`` is the account whose address wrote (an address no account holds
    becomes a person with no password, collected at ``support_mail``: every mail
    we send names a person for the gate and carries their manage-your-data link,
    C21); ``requester_email`` is the address as the mail gave it, kept even when
    no person could be made of it. ``reference`` (``CG-12345``) stands in every
    subject we send, so a reply whose headers were lost still finds the ticket.
    """

    class State(models.TextChoices):
        NEW = "new", "new"
        WAITING_ON_CUSTOMER = "waiting_on_customer", "waiting on customer"
        WAITING_ON_US = "waiting_on_us", "waiting on us"
        CLOSED = "closed", "closed"

    reference = models.CharField(max_length=32, unique=True)
    subject = models.CharField(max_length=255, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="support_tickets",
    )
    requester_email = models.CharField(max_length=254, db_index=True)
    requester_name = models.CharField(max_length=150, blank=True)
    site = models.CharField(max_length=64)
    state = models.CharField(max_length=24, choices=State.choices, default=State.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    collection_point = models.CharField(max_length=64, default=POINT)
    collected_under = models.ForeignKey(
        "policy.PolicyVersion", on_delete=models.PROTECT, related_name="+"
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "support ticket"
        verbose_name_plural = "support tickets"

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"


@personal_data(
    subject="ticket__person",
    point=POINT,
    fields={
        "sender": "user.contact.email",
        "body_text": "user.content.private",
        # The customer's mail program made these; they may hold their address.
        "message_id": "user.content.private",
        "in_reply_to": "user.content.private",
        "references": "user.content.private",
    },
    erasure="delete",
    version_field=None,
)
class TicketMessage(models.Model):
    """One mail of a conversation, in (from the customer) or out (ours), in order.

    Threading reads ``message_id``, ``in_reply_to`` and ``references`` (RFC 5322);
    an outgoing one points at its outbox row, which holds what was sent and how it
    went; a mail in, at the stored inbound message it came from, as received.
    ``quoted_from`` is where quoted text starts in ``body_text`` (-1: none), so the
    admin folds it.
    """

    class Direction(models.TextChoices):
        IN = "in", "from the customer"
        OUT = "out", "from us"

    class Kind(models.TextChoices):
        MAIL = "mail", "mail"
        ACKNOWLEDGEMENT = "acknowledgement", "acknowledgement"
        REPLY = "reply", "reply from staff"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MAIL)
    sender = models.CharField(max_length=254, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField()
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    body_text = models.TextField(blank=True)
    quoted_from = models.IntegerField(default=-1)
    inbound = models.OneToOneField(
        "mail.InboundMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_message",
    )
    outbound = models.OneToOneField(
        "mail.OutboundMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_message",
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "support message"
        verbose_name_plural = "support messages"

    def __str__(self) -> str:
        return f"{self.ticket.reference} {self.direction} {self.at:%Y-%m-%d %H:%M}"

    @property
    def fresh_text(self) -> str:
        """What this mail says itself, quoted text left out."""
        return self.body_text if self.quoted_from < 0 else self.body_text[: self.quoted_from]

    @property
    def quoted_text(self) -> str:
        """The earlier mail this one quotes, for the admin to fold."""
        return "" if self.quoted_from < 0 else self.body_text[self.quoted_from :]


@personal_data(
    subject="message__ticket__person",
    point=POINT,
    fields={"filename": "user.content.private", "file": "user.content.private"},
    erasure="delete",
    version_field=None,
)
@not_personal(content_type="a MIME type (image/png); it names no one")
class Attachment(models.Model):
    """A file that came with a mail: listed by name, type and size; bytes in storage.

    A file over ``PLEDGE_SUPPORT_ATTACHMENT_MAX_BYTES`` or of a type outside
    ``PLEDGE_SUPPORT_ATTACHMENT_TYPES`` is listed as refused, with the reason, and
    not kept; the mail itself still lands.
    """

    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    file = models.FileField(storage=attachment_storage, max_length=300, blank=True)
    refused = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.content_type}, {self.size} bytes)"
