"""The ledger of processor events received, which makes the webhook idempotent."""

from __future__ import annotations

from typing import Any

from django.db import models


class ReceivedEvent(models.Model):
    """One processor event we accepted and handled, by the processor's event id.

    The unique ``event_id`` makes a delivery of the same event a second time change
    nothing: the row is written in the transaction that handles the event, so an
    event is either handled and recorded, or neither. ``facts`` holds only the
    whitelisted fields (``events.KEPT_OBJECT_FIELDS``), never the raw payload (C3).
    Rows are never changed after they are written.
    """

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, db_index=True)
    processor_created = models.DateTimeField()
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=255)
    facts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("a received event is recorded once and never changed")
        super().save(*args, **kwargs)
