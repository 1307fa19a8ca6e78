"""Who may join which list: a product's updates are for its registered owners only (C10)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pledge.mail import lists
from pledge.mail.lists import ListRefused, may_join, request_subscription
from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import enqueue
from pledge.policy import gate
from pledge.policy.models import ConsentState
from pledge.shop.models import Product

NOT_AN_OWNER = (
    "Product updates for ContactGenie Professional are only for its registered owners, "
    "and we have no record that you own it. Once you buy it from us, you can subscribe "
    "to its updates here."
)


@pytest.fixture
def professional(db):
    return Product.objects.create(
        sku="contactgenie-pro",
        name="ContactGenie Professional",
        edition="Professional",
        summary="For a growing business.",
        price="149.00",
    )


def test_no_one_owns_anything_yet_so_product_updates_are_refused(make_person, professional):
    person = make_person()

    decision = may_join(person, "product_updates", "contactgenie-pro")

    assert decision == gate.Decision(False, NOT_AN_OWNER)


def test_the_refusal_reaches_the_person_and_sends_nothing(client, make_person, professional):
    person = make_person()
    client.force_login(person)

    response = client.post(
        reverse("lists:account_subscribe"),
        {"list": "product_updates", "scope": "contactgenie-pro"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [NOT_AN_OWNER]
    assert OutboundMessage.objects.count() == 0
    assert ConsentState.objects.count() == 0


def test_the_action_refuses_with_the_same_words(make_person, professional):
    person = make_person()

    with pytest.raises(ListRefused) as refused:
        request_subscription(person, "product_updates", site="claxton", scope="contactgenie-pro")

    assert refused.value.message == NOT_AN_OWNER


def test_an_owner_by_the_ownership_source_may_join_its_product_only(
    monkeypatch, make_person, professional
):
    person = make_person()
    monkeypatch.setattr(lists, "owned_products", lambda p: frozenset({"contactgenie-pro"}))

    own = may_join(person, "product_updates", "contactgenie-pro")
    other = may_join(person, "product_updates", "contactgenie-net")

    assert own == gate.ALLOW
    assert other.allowed is False


def test_a_visitor_form_cannot_join_an_owners_only_list(make_person):
    with pytest.raises(ListRefused) as refused:
        lists.request_subscription_by_email(
            "Ada", "ada@example.com", "product_updates", site="claxton"
        )

    assert refused.value.message == (
        "Only registered owners can join this list, from their account page."
    )
    assert OutboundMessage.objects.count() == 0


def test_the_news_list_is_one_list_not_one_per_product(make_person):
    person = make_person()

    assert may_join(person, "news") == gate.ALLOW
    assert may_join(person, "news", "contactgenie-pro") == gate.Decision(
        False, "News & Special Offers is one list, not one per product."
    )
    assert may_join(person, "nonesuch").reason == "There is no such mailing list."


def test_a_deactivated_person_may_join_nothing(make_person):
    person = make_person(status="deactivated")

    assert may_join(person, "news").reason == (
        "This account is deactivated: it cannot join a mailing list."
    )


def test_owners_who_did_not_subscribe_get_no_product_notice(monkeypatch, make_person, professional):
    # C10 follows from the gate: a product notice needs the owner's own consent.
    person = make_person()
    monkeypatch.setattr(lists, "owned_products", lambda p: frozenset({"contactgenie-pro"}))

    row = enqueue(
        person=person,
        purpose="product_updates",
        scope="contactgenie-pro",
        template="test/notice",
        site="claxton",
        context={"note": "Version 7.1 fixes a critical bug."},
    )

    assert (row.status, row.reason) == ("refused", "no consent was given for this purpose")
    assert (row.list_key, row.scope) == ("product_updates", "contactgenie-pro")
