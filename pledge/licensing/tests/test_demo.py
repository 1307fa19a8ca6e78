"""The demo's owners: made through the real actions, once."""

from __future__ import annotations

from pledge.licensing.demo import seed_registrations
from pledge.licensing.models import LicenseKey, Registration
from pledge.licensing.ownership import owned_skus
from pledge.people.models import Person
from pledge.shop.demo import seed_products
from pledge.site.demo import seed_customers


def test_the_demo_has_one_active_and_one_revoked_owner_and_seeding_twice_changes_nothing(policy):
    seed_customers()
    seed_products()

    seed_registrations()
    seed_registrations()

    ada = Person.objects.get(email="ada@example.com")
    alan = Person.objects.get(email="alan@example.com")
    assert (owned_skus(ada), owned_skus(alan)) == (frozenset({"cg-professional"}), frozenset())
    assert sorted(Registration.objects.values_list("order_ref", "status")) == [
        ("DEMO-1001", "active"),
        ("DEMO-1002", "revoked"),
    ]
    assert LicenseKey.objects.count() == 2
