"""A processor event, reduced to the fields we keep (C3, C20).

The processor's objects carry far more than billing needs: a charge holds the
card's brand, last four digits and expiry, the billing address, the buyer's name.
We never store a raw payload. ``read_event`` parses the signed body and keeps a
whitelist of ids, types, amounts and statuses; everything else is dropped before
anything is written or logged.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


class MalformedEvent(ValueError):
    """The body is not a processor event we can read."""


# The only fields of an event's object we keep, whatever its type.
KEPT_OBJECT_FIELDS = (
    "object",
    "id",
    "client_reference_id",
    "payment_intent",
    "status",
    "payment_status",
    "amount_total",
    "amount",
    "amount_refunded",
    "refunded",
    "currency",
)


@dataclass(frozen=True)
class ProcessorEvent:
    """One webhook event: its id and type, and the whitelisted fields of its object."""

    id: str
    type: str
    created: int
    object: dict[str, Any]

    @property
    def object_id(self) -> str:
        return str(self.object.get("id", ""))

    def facts(self) -> dict[str, Any]:
        """What is stored and logged about the event: nothing beyond the whitelist."""
        return asdict(self)


def _kept(value: Any) -> bool:
    return value is None or isinstance(value, str | int | bool)


def read_event(body: bytes) -> ProcessorEvent:
    """Parse a webhook body into a ProcessorEvent, or raise MalformedEvent."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedEvent(f"the body is not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("object") != "event":
        raise MalformedEvent("the body is not an event object")
    event_id, kind, created = data.get("id"), data.get("type"), data.get("created")
    if not isinstance(event_id, str) or not event_id.startswith("evt_"):
        raise MalformedEvent("the event has no id")
    if not isinstance(kind, str) or not kind:
        raise MalformedEvent("the event has no type")
    if not isinstance(created, int):
        raise MalformedEvent("the event has no creation time")
    obj = (data.get("data") or {}).get("object") if isinstance(data.get("data"), dict) else None
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise MalformedEvent("the event carries no object")
    kept = {key: obj[key] for key in KEPT_OBJECT_FIELDS if key in obj and _kept(obj[key])}
    if isinstance(obj.get("payment_intent"), dict):  # expanded: keep only its id
        kept["payment_intent"] = str(obj["payment_intent"].get("id", ""))
    return ProcessorEvent(id=event_id, type=kind, created=created, object=kept)
