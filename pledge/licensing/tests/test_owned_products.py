"""C10: a product's updates list is open to its registered owners, and only while they own it."""

from __future__ import annotations

import pytest

from pledge.licensing.ownership import revoke_registration
from pledge.mail.lists import (
    ListRefused,
    confirm_subscription,
    confirmation_url,
    may_join,
    owned_products,
    request_subscription,
)
from pledge.mail.models import OutboundMessage
from pledge.policy.models import ConsentState


def join(person, sku):
    request_subscription(person, "product_updates", site="contactgenie", scope=sku)
    token = (
        confirmation_url(person, "product_updates", sku, "contactgenie").rstrip("/").split("/")[-1]
    )
    return confirm_subscription(token, site="contactgenie")


def test_an_active_registration_makes_its_product_owned(make_person, register):
    ada = make_person()
    register(ada)

    assert owned_products(ada) == frozenset({"cg-professional"})


def test_an_owner_can_join_the_product_updates_list(make_person, register):
    ada = make_person()
    register(ada)

    join(ada, "cg-professional")

    state = ConsentState.objects.get(person=ada, purpose="product_updates")
    assert (state.scope, state.granted) == ("cg-professional", True)


def test_a_non_owner_cannot_join_and_is_sent_nothing(make_person, professional):
    grace = make_person()

    with pytest.raises(ListRefused):
        request_subscription(grace, "product_updates", site="contactgenie", scope="cg-professional")

    assert OutboundMessage.objects.count() == 0
    assert ConsentState.objects.filter(person=grace).count() == 0


def test_a_revoked_owner_no_longer_owns_the_product_and_cannot_join(make_person, register):
    ada = make_person()
    registration = register(ada)

    revoke_registration(registration, "refunded")

    assert owned_products(ada) == frozenset()
    assert bool(may_join(ada, "product_updates", "cg-professional")) is False


def test_revoking_takes_a_subscribed_owner_off_the_product_list(make_person, register):
    ada = make_person()
    registration = register(ada)
    join(ada, "cg-professional")

    revoke_registration(registration, "chargeback")

    state = ConsentState.objects.get(person=ada, purpose="product_updates")
    assert (state.granted, state.latest.via) == (False, "system")


def test_an_owner_by_another_order_stays_on_the_list_when_one_order_is_revoked(
    make_person, register
):
    ada = make_person()
    first = register(ada)
    register(ada)
    join(ada, "cg-professional")

    revoke_registration(first, "refunded")

    assert owned_products(ada) == frozenset({"cg-professional"})
    assert ConsentState.objects.get(person=ada, purpose="product_updates").granted is True
