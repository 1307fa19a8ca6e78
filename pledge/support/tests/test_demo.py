"""The demo's tickets come in as mail, once, and one is answered by the demo's customer service."""

from __future__ import annotations

from typing import Any

from pledge.staff.demo import create_demo_staff
from pledge.support.demo import seed_tickets
from pledge.support.models import Ticket


def test_the_demo_tickets_are_made_once_and_the_first_is_answered(policy: Any) -> None:
    create_demo_staff()

    first, again = seed_tickets(), seed_tickets()

    assert (first, again) == (2, 0)
    answered = Ticket.objects.get(subject="ContactGenie will not start after the update")
    assert [m.kind for m in answered.messages.all()] == ["mail", "acknowledgement", "reply"]
    assert answered.assigned_to.email == "support@claxton.localhost"
    assert answered.state == Ticket.State.WAITING_ON_CUSTOMER
