"""The outbox: every mail Pledge sends is a row here first, with its history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from pledge.policy.registry import not_personal, personal_data


class OutboundMessageQuerySet(models.QuerySet["OutboundMessage"]):
    def opens_summary(self) -> tuple[int, int]:
        """(messages opened at least once, total opens) over these messages (C8).

        Counts from the clear gif in each HTML part; one query. Estimates, not
        facts: a mail program that shows no images is not counted, and one that
        fetches every image for its reader (a privacy proxy) counts unread mail.
        """
        row = self.aggregate(
            opened=Count("pk", filter=Q(first_opened_at__isnull=False)),
            total=Coalesce(Sum("open_count"), 0),
        )
        return row["opened"], row["total"]


@personal_data(
    subject="person",
    point="registration",
    fields={
        "to_address": "user.contact.email",
        # The address's part after @: a provider's, or a person's own domain.
        "recipient_domain": "user.contact.email",
        "to_name": "user.name",
        "subject": "user.name",
        "body_text": "user.contact.email",
        "body_html": "user.contact.email",
        # A server's refusal often quotes the recipient's address.
        "last_error": "user.contact.email",
        # C8: whether and how often the person opened the mail (its clear gif).
        "first_opened_at": "user.behavior.browsing_history",
        "open_count": "user.behavior.browsing_history",
        # C16: the person left the list from this message's opt-out link or header.
        "unsubscribed_at": "user.behavior.browsing_history",
        # The Message-IDs of a customer's mails, which their mail program made and
        # which may hold their address.
        "in_reply_to": "user.content.private",
        "references": "user.content.private",
    },
    version_field=None,
)
@not_personal(
    message_id="a random identifier that we make; it names no one",
    from_address="one of our own mailboxes (the support address)",
)
class OutboundMessage(models.Model):
    """One message to one person, written in the transaction of the event that caused it.

    The worker re-checks the gate when it sends (C9, C10, C22): a row queued while
    allowed is refused if consent is withdrawn or the person deactivated meanwhile.
    ``message_id`` is fixed at creation, so a resend after a crash repeats it.
    ``token`` names the message in its bounce address (VERP). While a worker sends
    the row it holds a lease (``leased_by`` until ``lease_until``); an expired lease
    lets another worker take the row over. ``attempts`` counts claims.

    A mail to one of the declaration's lists names it (``list_key``) and carries
    the signed ``unsubscribe_token`` its List-Unsubscribe headers and opt-out link
    hold (C16); the token is fixed here so a resend has the same headers. An HTML
    mail carries a clear gif whose URL holds only ``open_token``, a random value of
    its own (C8); an open counts in ``first_opened_at`` and ``open_count``, and
    nothing about who or what fetched the gif is kept. ``unsubscribed_at`` is when
    the person left the list through this message's opt-out link or one-click
    header, so a campaign's report counts exactly the opt-outs its mail caused.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENDING = "sending", "being sent"
        SENT = "sent", "sent"
        REFUSED = "refused", "refused by the gate"
        FAILED = "failed", "failed permanently"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    purpose = models.CharField(max_length=64)
    scope = models.CharField(max_length=64, blank=True)
    site = models.CharField(max_length=64)
    template = models.CharField(max_length=100)
    to_address = models.EmailField(max_length=254)
    # The domain of ``to_address``, lower-cased, written at enqueue: the claim skips
    # the rows of a domain that is backing off (``DomainBackoff``) by this column.
    recipient_domain = models.CharField(max_length=254, blank=True, db_index=True)
    to_name = models.CharField(max_length=150, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    token = models.CharField(max_length=32, unique=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    reclaims = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    list_key = models.CharField(max_length=64, blank=True)
    unsubscribe_token = models.CharField(max_length=255, blank=True)
    open_token = models.CharField(max_length=32, unique=True, null=True, blank=True)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # A reply in a conversation (support, C11): the mailbox it comes from instead of
    # MAIL_FROM_ADDRESS, and the RFC 5322 threading headers of the mail it answers.
    from_address = models.EmailField(max_length=254, blank=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    # RFC 3834: "auto-generated" (the default), "auto-replied" for an automatic answer
    # to a mail received, "no" for a reply a person wrote.
    auto_submitted = models.CharField(max_length=32, default="auto-generated")

    objects = OutboundMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} to #{self.person_id}: {self.subject}"


@personal_data(
    subject="message__person",
    point="registration",
    # A server's reply, kept as the detail of a failure, often quotes the address.
    fields={"detail": "user.contact.email"},
    version_field=None,
)
class MessageEvent(models.Model):
    """One step in a message's life: queued, refused, sent, deferred or failed.

    The history staff read to answer "did this person get that mail, and if not,
    why?": each attempt with its time and the server's or the gate's answer.
    """

    class Kind(models.TextChoices):
        QUEUED = "queued", "queued"
        REFUSED = "refused", "refused by the gate"
        SENT = "sent", "accepted by the mail server"
        DEFERRED = "deferred", "failed for now, to be retried"
        FAILED = "failed", "failed permanently"

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    attempt = models.PositiveIntegerField(default=0)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"message {self.message_id} {self.kind} {self.at:%Y-%m-%d %H:%M:%S}"


class DomainBackoffQuerySet(models.QuerySet["DomainBackoff"]):
    def with_waiting(self) -> DomainBackoffQuerySet:
        """Each domain with ``waiting``: how many queued messages are addressed to it.

        One query: a counted subquery per row, by the outbox's ``recipient_domain``
        index. What staff read to see how much mail a throttling provider holds up.
        """
        queued = (
            OutboundMessage.objects.filter(
                recipient_domain=OuterRef("domain"), status=OutboundMessage.Status.QUEUED
            )
            .order_by()
            .values("recipient_domain")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(waiting=Coalesce(Subquery(queued), 0))


@not_personal(
    domain="a destination domain, kept only while it refuses mail; no one's address",
)
class DomainBackoff(models.Model):
    """A destination domain that answered a temporary failure, and until when to wait.

    Postfix's per-destination queue in small: when a provider throttles (421, 450)
    the claim leaves its other queued mail alone until ``until``, so one busy
    provider neither eats its recipients' attempts nor holds up other domains. The
    wait doubles with each failure in a row (``failures``), capped; the first
    message accepted for the domain deletes the row.
    """

    domain = models.CharField(max_length=254, unique=True)
    until = models.DateTimeField(db_index=True)
    failures = models.PositiveIntegerField(default=0)
    # Only the code: a server's text often quotes the recipient's address. The
    # message's own event keeps the whole reply.
    last_code = models.PositiveIntegerField(default=0)
    since = models.DateTimeField()

    objects = DomainBackoffQuerySet.as_manager()

    class Meta:
        ordering = ["until"]
        verbose_name = "domain backing off"
        verbose_name_plural = "domains backing off"
        permissions = [
            (
                "retry_domainbackoff",
                "Can end a domain's wait, so its mail is tried at the next pass",
            )
        ]

    def __str__(self) -> str:
        return f"{self.domain} deferred until {self.until:%Y-%m-%d %H:%M:%S}"


# Mail in: its models live beside its code, in the mail app.
from .inbound.models import Bounce, DataRequest, InboundMessage  # noqa: E402

__all__ = [
    "Bounce",
    "DataRequest",
    "DomainBackoff",
    "InboundMessage",
    "MessageEvent",
    "OutboundMessage",
]
