"""A guest may buy; a guest never attaches anything to someone else's account unproved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pledge.conftest import find_link
from pledge.licensing.models import Registration
from pledge.mail.models import OutboundMessage
from pledge.orders.claims import claim_url
from pledge.orders.models import Order
from pledge.people.models import Person
from pledge.rights.retention import purge_unverified_accounts

from .conftest import event_body

pytestmark = pytest.mark.django_db


def pay(wire, deliver, order, event_id="evt_paid"):
    deliver(
        event_body(
            "checkout.session.completed",
            wire.complete(order.checkout_session_id),
            event_id=event_id,
        )
    )
    order.refresh_from_db()
    return order


def test_a_guest_with_a_new_address_becomes_a_person_without_password_and_owns_at_once(
    wire, make_order, deliver
):
    order = pay(wire, deliver, make_order("new.buyer@example.com"))

    person = Person.objects.get(email="new.buyer@example.com")
    assert (order.person, order.claimed_at is not None) == (person, True)
    assert (person.has_usable_password(), person.collection_point, person.email_verified_at) == (
        False,
        "order",
        None,
    )
    assert Registration.objects.get(order_ref=order.number).person == person
    receipt = OutboundMessage.objects.get(template="orders/receipt")
    assert "Your license key for ContactGenie Professional" in receipt.body_text


def test_a_guest_using_an_existing_accounts_address_attaches_nothing_to_it(
    wire, make_order, deliver, make_person
):
    owner = make_person("grace@example.com", name="Grace Hopper")

    order = pay(wire, deliver, make_order("grace@example.com", name="Someone Else"))

    assert (order.person, order.claimed_at) == (owner, None)
    assert not Registration.objects.filter(person=owner).exists()
    receipt = OutboundMessage.objects.get(template="orders/receipt")
    assert receipt.to_address == "grace@example.com"
    assert "Your license key" not in receipt.body_text
    assert "If you placed this order, confirm it" in receipt.body_text


def test_the_accounts_page_does_not_list_an_unclaimed_order(
    wire, make_order, deliver, make_person, client
):
    owner = make_person("grace@example.com")
    pay(wire, deliver, make_order("grace@example.com"))
    client.force_login(owner)

    response = client.get("/orders/")

    assert response.context["rows"] == []


def test_the_address_owner_claims_from_the_mailed_link_and_gets_the_key(
    wire, make_order, deliver, make_person, client
):
    owner = make_person("grace@example.com")
    order = pay(wire, deliver, make_order("grace@example.com"))
    receipt = OutboundMessage.objects.get(template="orders/receipt")
    link = find_link(receipt.body_text, "orders:claim")

    shown = client.get(link)
    assert shown.status_code == 200
    assert Order.objects.get(pk=order.pk).claimed_at is None  # GET changes nothing

    client.post(link)

    order.refresh_from_db()
    assert order.claimed_at is not None
    assert Registration.objects.get(order_ref=order.number).person == owner
    key_mail = OutboundMessage.objects.get(template="orders/key")
    assert key_mail.to_address == "grace@example.com"
    assert order.events.filter(kind="claimed").count() == 1
    client.post(link)  # twice: nothing more
    assert OutboundMessage.objects.filter(template="orders/key").count() == 1


def test_a_forged_claim_link_is_refused(client, make_order):
    order = make_order()
    forged = claim_url(order).rstrip("/").rsplit("/", 1)[-1][:-3] + "xyz"

    assert client.post(f"/orders/claim/{forged}/").status_code == 400


def test_retention_keeps_a_paying_guest_and_erases_an_unverified_account_without_orders(
    wire, make_order, deliver, policy
):
    pay(wire, deliver, make_order("guest@example.com"))
    Person.objects.create_user("never@example.com", None, name="Never Verified")
    Person.objects.update(date_joined=timezone.now() - timedelta(days=30))

    result = purge_unverified_accounts()

    assert result.erased == 1
    assert Person.objects.get(email="guest@example.com").status == "active"
    assert not Person.objects.filter(email="never@example.com").exists()
