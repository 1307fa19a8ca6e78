"""Two deliveries of the same event at the same moment: the payment is handled once."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from pledge.mail.models import OutboundMessage
from pledge.orders.models import Order, Status
from pledge.payments.models import ReceivedEvent
from pledge.payments.signature import signature_header

from .conftest import WEBHOOK, event_body

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_event_delivered_twice_at_once_is_handled_once(wire, make_order):
    import time

    order = make_order()
    body = event_body(
        "checkout.session.completed", wire.complete(order.checkout_session_id), event_id="evt_race"
    )
    header = signature_header(settings.STRIPE_WEBHOOK_SECRET, int(time.time()), body)
    start = threading.Barrier(2)
    answers = []

    def deliver():
        start.wait()
        try:
            response = Client().post(
                WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
            )
            answers.append((response.status_code, response.json().get("outcome", "")))
        except Exception as error:  # a database that could not serve it at once: retried
            answers.append((500, type(error).__name__))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # A delivery the database could not serve at once (a writer waiting past
    # its timeout) got a 500: the processor retries it.
    for failed in [a for a in answers if a[0] != 200]:
        response = Client().post(
            WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        answers[answers.index(failed)] = (response.status_code, response.json()["outcome"])

    assert {a[0] for a in answers} == {200}
    assert {a[1] for a in answers} <= {"paid", "duplicate: already handled"}
    assert Order.objects.get(pk=order.pk).status == Status.PAID
    assert ReceivedEvent.objects.filter(event_id="evt_race").count() == 1
    assert Order.objects.get(pk=order.pk).events.filter(kind="charge").count() == 1
    assert OutboundMessage.objects.filter(template="orders/receipt").count() == 1
