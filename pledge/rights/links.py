"""Mailing a fresh link to manage one's data, to whoever holds an address (C21)."""

from __future__ import annotations

from django.db import transaction

from pledge.mail.outbox import enqueue
from pledge.people import ratelimit
from pledge.people.digests import normalise_email
from pledge.people.models import Person
from pledge.policy.audit import record_audit

from .access import LINK_MAX_AGE_DAYS


def send_manage_link(email: str, *, site: str) -> None:
    """Mail the link to manage one's data to the account with this address, if any.

    Says nothing about whether there is one: the caller answers the same either way.
    Rate limited per address, known or not (raises ``RateLimited``), and on the same
    budget as a password reset, so alternating the two forms cannot double the mail
    sent to someone's mailbox. The link itself comes with every mail (``manage_url``).
    """
    email = normalise_email(email)
    ratelimit.attempt("reset", email)
    person = Person.objects.filter(email__iexact=email).exclude(status=Person.Status.ERASED).first()
    if person is None:
        return
    with transaction.atomic():
        enqueue(
            person=person,
            purpose="account",
            template="rights/link",
            site=site,
            context={"valid_days": LINK_MAX_AGE_DAYS},
        )
        record_audit(
            "rights.link",
            subject_id=person.pk,
            categories=["user.contact.email"],
            reason="asked for a link to their data",
            detail={"site": site},
        )
