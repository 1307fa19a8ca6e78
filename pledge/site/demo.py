"""The Claxton Group's demo data, made with the same actions real visitors use."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from pledge.people.models import Person
from pledge.policy.consent import record_consent

CUSTOMER_PASSWORD = "pledge-demo-2026"


@dataclass(frozen=True)
class DemoCustomer:
    email: str
    name: str
    site: str
    lists: tuple[str, ...] = ()
    interest: bool = False


CUSTOMERS = (
    DemoCustomer(
        "ada@example.com", "Ada Lovelace", "contactgenie", lists=("newsletter",), interest=True
    ),
    DemoCustomer("grace@example.com", "Grace Hopper", "claxton", lists=("newsletter",)),
    DemoCustomer("alan@example.com", "Alan Turing", "contactgenie"),
    DemoCustomer("katherine@example.com", "Katherine Johnson", "claxton", interest=True),
)


def seed_customers() -> list[DemoCustomer]:
    """Create the demo customers once; running again changes nothing."""
    made = []
    for customer in CUSTOMERS:
        if Person.objects.filter(email__iexact=customer.email).exists():
            continue
        with transaction.atomic():
            person = Person.objects.create_user(
                customer.email,
                CUSTOMER_PASSWORD,
                name=customer.name,
                site=customer.site,
                email_verified_at=timezone.now(),
            )
            for purpose in customer.lists:
                record_consent(
                    person,
                    purpose,
                    granted=True,
                    via="form",
                    collection_point="mailing_lists",
                    site=customer.site,
                )
            if customer.interest:
                record_consent(
                    person,
                    "service_interest",
                    granted=True,
                    via="form",
                    collection_point="registration",
                    site=customer.site,
                )
        made.append(customer)
    return made
