"""Mail in: every message the mail server hands us, kept as received, and what came of it.

Registered with the ``mail`` app (``pledge/mail/models.py`` imports this module).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pledge.policy.registry import not_personal, personal_data


@personal_data(
    subject="person",
    point="support_mail",
    fields={
        # Whatever its sender wrote: an address, a name, a question to support.
        "raw": "user.content.private",
        "mail_from": "user.contact.email",
        "recipients": "user.contact.email",
        # A classifier's rule or an action may quote the failed address.
        "reason": "user.contact.email",
        "action": "user.contact.email",
        "last_error": "user.contact.email",
    },
    version_field=None,
)
@not_personal(digest="a hash of the bytes and envelope, to store a retried delivery once")
class InboundMessage(models.Model):
    """One message as the mail server delivered it: the bytes exactly, and the envelope.

    Stored before anything else is done with it, so that a failure later (a bug in a
    rule, the support app down) loses nothing: ``processed_at`` stays empty and the
    worker's periodic job tries again. ``digest`` (SHA-256 of envelope and bytes) is
    unique, so a delivery the mail server retries after a lost answer is stored once.
    ``kind`` and ``reason`` are the classifier's verdict and rule; ``action`` says in
    words what was done; ``outbound`` is the message of ours it names (a bounce's,
    an unsubscribe's, a complaint's), ``person`` whom it is from or about.
    """

    class Via(models.TextChoices):
        PIPE = "pipe", "pipe (pledge mail receive)"
        LMTP = "lmtp", "LMTP (pledge mail serve)"

    digest = models.CharField(max_length=64, unique=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    mail_from = models.CharField(max_length=512, blank=True)
    recipients = models.JSONField(default=list)
    via = models.CharField(max_length=8, choices=Via.choices)
    received_at = models.DateTimeField(db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=32, blank=True, db_index=True)
    reason = models.CharField(max_length=500, blank=True)
    action = models.CharField(max_length=500, blank=True)
    outbound = models.ForeignKey(
        "mail.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbound_messages",
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"inbound #{self.pk} ({self.kind or 'not yet processed'})"


@personal_data(
    subject="person",
    point="registration",
    fields={"address": "user.contact.email", "detail": "user.contact.email"},
    version_field=None,
)
class Bounce(models.Model):
    """A report that one of our messages could not be delivered to its address.

    Only bounces that name a message we sent are recorded (a bounce for a message we
    never sent changes nothing). Hard ones stop mail to the address at once; soft ones
    are counted (``pledge.mail.inbound.bounces``).
    """

    class Kind(models.TextChoices):
        HARD = "hard", "hard: the address is gone"
        SOFT = "soft", "soft: may pass another day"

    inbound = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="bounces")
    message = models.ForeignKey(
        "mail.OutboundMessage", on_delete=models.CASCADE, related_name="bounces"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bounces"
    )
    address = models.EmailField(max_length=254)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=16, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["inbound", "message"], name="bounce_once_per_report")
        ]

    def __str__(self) -> str:
        return f"{self.kind} bounce of message {self.message_id}"


@personal_data(
    subject="person",
    point="support_mail",
    fields={
        "from_address": "user.contact.email",
        # What the person asks about their data, and the officer's note of the answer.
        "subject": "user.privacy_preferences",
        "note": "user.privacy_preferences",
    },
    version_field=None,
)
class DataRequest(models.Model):
    """A request about a person's data that came by mail, for the privacy officer (C21).

    Opened from mail to the privacy address, or mail to support that reads as one
    (access, correction, deletion). The officer answers it and closes it here; the
    person's own tools (the manage link in every mail) stay open to them meanwhile.
    """

    class Status(models.TextChoices):
        OPEN = "open", "open"
        CLOSED = "closed", "closed"

    inbound = models.OneToOneField(
        InboundMessage, on_delete=models.CASCADE, related_name="data_request"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="data_requests",
    )
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    why = models.CharField(max_length=255)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    received_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "-received_at"]

    def __str__(self) -> str:
        return f"data request #{self.pk} ({self.status})"
