"""Handling each processor event exactly once, by its event id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .events import ProcessorEvent
from .models import ReceivedEvent

DUPLICATE = "duplicate: already handled"


def handle_once(event: ProcessorEvent, handler: Callable[[ProcessorEvent], str]) -> str:
    """Run ``handler`` for ``event`` unless this event id was handled before.

    The handler's changes and the ledger row commit together: if the handler
    raises, nothing is recorded and the processor's retry will run it again; if two
    deliveries race, the unique event id lets one commit and rolls the other back.
    Returns the handler's outcome, or DUPLICATE.
    """
    if ReceivedEvent.objects.filter(event_id=event.id).exists():
        return DUPLICATE
    try:
        with transaction.atomic():
            outcome = handler(event)
            ReceivedEvent.objects.create(
                event_id=event.id,
                type=event.type,
                object_id=event.object_id,
                processor_created=datetime.fromtimestamp(event.created, tz=UTC),
                received_at=timezone.now(),
                outcome=outcome[:255],
                facts=event.facts(),
            )
    except IntegrityError:
        if ReceivedEvent.objects.filter(event_id=event.id).exists():
            return DUPLICATE
        raise
    return outcome
