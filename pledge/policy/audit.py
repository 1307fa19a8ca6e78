"""The append-only audit trail: one function writes it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections, models
from django.utils import timezone

from .models import AuditEvent


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A model's field that has a column of its own, for a hand-written INSERT."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # a programming error, not input
    return field


def _label(actor: Any) -> str:
    # The actor is named by account number only: the trail outlives erasures (C20).
    if actor is not None and getattr(actor, "pk", None) is not None:
        return f"#{actor.pk}"
    return ""


def record_audit(
    action: str,
    *,
    actor: Any = None,
    subject_id: int | None = None,
    categories: Iterable[str] = (),
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row. Call it inside the action's own transaction."""
    label = _label(actor)
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor if label else None,
        actor_label=label,
        action=action,
        subject_id=subject_id,
        categories=sorted(set(categories)),
        reason=reason[:255],
        detail=detail or {},
    )


def record_audits(entries: Iterable[dict[str, Any]]) -> int:
    """Write many audit rows at once: the rows ``record_audit`` would write, one each.

    Each entry holds ``record_audit``'s keyword arguments and ``action``. For a
    batch action (a send batch's outcomes); call it inside the action's transaction.
    One INSERT run with ``executemany`` and values prepared here: ``bulk_create``
    spent more on preparing each object than the database did on storing it.
    """
    connection = connections[AuditEvent.objects.db]
    fields = [concrete_field(AuditEvent, name) for name in AUDIT_COLUMNS]
    at = fields[0].get_db_prep_save(timezone.now(), connection)
    rows = []
    for entry in entries:
        actor = entry.get("actor")
        label = _label(actor)
        values = (
            at,
            actor.pk if actor is not None and label else None,
            label,
            entry["action"],
            entry.get("subject_id"),
            sorted(set(entry.get("categories", ()))),
            entry.get("reason", "")[:255],
            entry.get("detail") or {},
        )
        prepared = list(values)
        for n in (5, 7):  # the JSON columns: the database's own form
            prepared[n] = fields[n].get_db_prep_save(values[n], connection)
        rows.append(prepared)
    if not rows:
        return 0
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) VALUES ({marks})",  # noqa: S608 - names from the model
            rows,
        )
    return len(rows)


# The columns ``record_audits`` writes, in the order of its values.
AUDIT_COLUMNS = (
    "at",
    "actor",
    "actor_label",
    "action",
    "subject_id",
    "categories",
    "reason",
    "detail",
)
