"""Changes a person makes to their own account details (C21)."""

from __future__ import annotations

from django.db import transaction

from pledge.policy.audit import record_audit

from . import ratelimit
from .digests import normalise_email
from .models import Person
from .registration import tell_existing_account
from .verification import enqueue_verification


def change_name(person: Person, name: str) -> None:
    """Correct the name on the account."""
    with transaction.atomic():
        person.name = name.strip()
        person.save(update_fields=["name"])
        record_audit(
            "person.change_name",
            subject_id=person.pk,
            categories=["user.name"],
            reason="corrected their name",
        )


def request_email_change(person: Person, new_email: str, *, site: str) -> None:
    """Ask to move the account to a new address: mail a link there to confirm it.

    The account keeps its address until the link is followed (see
    ``confirm_address``). If the new address has an account already, its owner is
    told instead, and the person asking sees the same answer, so the form does not
    reveal who has an account.
    """
    new_email = normalise_email(new_email)
    ratelimit.attempt("email_change", person.pk)
    with transaction.atomic():
        owner = Person.objects.filter(email__iexact=new_email).exclude(pk=person.pk).first()
        if owner is not None:
            tell_existing_account(owner, site=site)
            record_audit(
                "person.change_email_request",
                subject_id=person.pk,
                categories=["user.contact.email"],
                reason="asked to move to an address another account has",
                detail={"site": site, "sent": False},
            )
            return
        person.pending_email = new_email
        person.save(update_fields=["pending_email"])
        enqueue_verification(person, site=site, email=new_email)
        record_audit(
            "person.change_email_request",
            subject_id=person.pk,
            categories=["user.contact.email"],
            reason="asked to move to a new address",
            detail={"site": site, "sent": True},
        )
