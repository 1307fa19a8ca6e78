"""The status pipeline: every allowed move recorded, every other one refused."""

from __future__ import annotations

import pytest

from pledge.orders.models import AppendOnly, Invoice, OrderEvent, Status
from pledge.orders.pipeline import TRANSITIONS, ImpossibleTransition, move
from pledge.policy.models import AuditEvent

pytestmark = pytest.mark.django_db

ALL = [s.value for s in Status]
ALLOWED = [(a, b) for a in ALL for b in ALL if b in TRANSITIONS[a]]
REFUSED = [(a, b) for a in ALL for b in ALL if b not in TRANSITIONS[a]]


def test_the_pipeline_is_the_one_the_issue_names():
    assert {k: sorted(v) for k, v in TRANSITIONS.items()} == {
        "pending": ["expired", "failed", "paid"],
        "failed": ["expired", "paid"],
        "paid": ["refunded"],
        "expired": [],
        "refunded": [],
    }


def _at(order, status):
    """Bring a fresh order to ``status`` along allowed moves."""
    path = {
        "pending": [],
        "paid": ["paid"],
        "failed": ["failed"],
        "expired": ["expired"],
        "refunded": ["paid", "refunded"],
    }[status]
    for step in path:
        move(order, step, source="test")
    return order


@pytest.mark.parametrize(("start", "to"), ALLOWED)
def test_an_allowed_move_changes_the_status_and_writes_history_and_audit(make_order, start, to):
    order = _at(make_order(), start)
    events, audits = (
        OrderEvent.objects.count(),
        AuditEvent.objects.filter(action="order.status").count(),
    )

    move(order, to, source="test", note="because")

    order.refresh_from_db()
    assert order.status == to
    last = order.events.last()
    assert (last.kind, last.from_status, last.to_status, last.note) == (
        "status",
        start,
        to,
        "because",
    )
    assert OrderEvent.objects.count() == events + 1
    assert AuditEvent.objects.filter(action="order.status").count() == audits + 1


@pytest.mark.parametrize(("start", "to"), REFUSED)
def test_an_impossible_move_raises_and_changes_nothing(make_order, start, to):
    order = _at(make_order(), start)
    events = OrderEvent.objects.count()

    with pytest.raises(ImpossibleTransition) as refused:
        move(order, to, source="test")

    assert str(refused.value) == f"order {order.number} cannot go from {start} to {to}"
    order.refresh_from_db()
    assert order.status == start
    assert OrderEvent.objects.count() == events


def test_a_move_reads_the_stored_status_not_a_stale_copy(make_order):
    order = make_order()
    stale = type(order).objects.get(pk=order.pk)
    move(order, Status.EXPIRED, source="test")

    with pytest.raises(ImpossibleTransition):
        move(stale, Status.PAID, source="test")


def test_history_lines_are_never_changed_or_deleted(make_order):
    line = make_order().events.first()

    with pytest.raises(AppendOnly):
        line.note = "rewritten"
        line.save()
    with pytest.raises(AppendOnly):
        line.delete()


def test_an_issued_invoice_is_never_altered(wire, make_order, deliver):
    from .conftest import event_body

    order = make_order()
    deliver(event_body("checkout.session.completed", wire.complete(order.checkout_session_id)))
    invoice = Invoice.objects.get(order=order)
    assert (invoice.buyer_name, invoice.total, invoice.currency) == (
        "Ada Buyer",
        invoice.total,
        "USD",
    )
    assert str(invoice.total) == "149.00"

    invoice.buyer_name = "Someone Else"
    with pytest.raises(AppendOnly):
        invoice.save()
    with pytest.raises(AppendOnly):
        invoice.delete()
    assert Invoice.objects.get(pk=invoice.pk).buyer_name == "Ada Buyer"


def test_a_move_that_loses_a_race_changes_nothing_even_without_row_locks(make_order, monkeypatch):
    """Another worker moves the order between our read and our write (SQLite has no lock)."""
    from pledge.orders import pipeline
    from pledge.orders.models import Order

    order = make_order()
    real_can_move = pipeline.can_move

    def racing(locked, to):
        Order.objects.filter(pk=locked.pk).update(status=Status.EXPIRED)  # the other worker
        return real_can_move(locked, to)

    monkeypatch.setattr(pipeline, "can_move", racing)
    events = OrderEvent.objects.count()

    with pytest.raises(ImpossibleTransition) as lost:
        move(order, Status.PAID, source="test")

    assert str(lost.value) == f"order {order.number} cannot go from expired to paid"
    # (The stand-in worker wrote inside our transaction, so it is undone with ours.)
    assert Order.objects.get(pk=order.pk).paid_at is None
    assert OrderEvent.objects.count() == events
