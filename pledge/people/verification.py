"""Verifying an email address by a signed link (C2), for a new account or a new address.

The link names the person and a keyed hash of the address it was sent to, not the
address itself: URLs reach access logs, which never hold personal data (C7). It
verifies only that address: after a change of address an older link is stale.
Following the link changes nothing; the page it opens has one button that does
(mail scanners open links).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from pledge.lib.signing import BadToken, make_token, read_token
from pledge.mail.outbox import enqueue, site_base_url
from pledge.policy.audit import record_audit

from . import ratelimit
from .digests import address_digest, normalise_email
from .models import Person


class LinkInvalid(Exception):
    """A verification or reset link that cannot be used; ``expired`` tells why."""

    def __init__(self, *, expired: bool):
        self.expired = expired
        super().__init__("this link has expired" if expired else "this link is not valid")


class AddressTaken(Exception):
    """The new address came to belong to another account before it was confirmed."""


@dataclass(frozen=True)
class VerificationLink:
    """What a valid link verifies: ``person``'s current address, or the new one."""

    person: Person
    email: str
    is_change: bool

    @property
    def already_verified(self) -> bool:
        return not self.is_change and self.person.is_verified


def _link_digest(email: str) -> str:
    # Truncated: the token is signed, so the digest only has to tell this person's
    # addresses apart, not resist forgery.
    return address_digest("verify", email)[:24]


def verification_token(person: Person, email: str) -> str:
    return make_token("verify", f"{person.pk}:{_link_digest(email)}")


def verification_url(person: Person, email: str, site: str) -> str:
    return site_base_url(site) + reverse("people:verify", args=[verification_token(person, email)])


def read_verification_link(token: str, *, lock: bool = False) -> VerificationLink:
    """The person and address a link verifies; raise LinkInvalid if it verifies none."""
    try:
        value = read_token("verify", token, max_age=settings.VERIFICATION_MAX_AGE)
    except BadToken as exc:
        raise LinkInvalid(expired=exc.expired) from None
    pk, _, digest = value.partition(":")
    people = Person.objects.filter(status=Person.Status.ACTIVE, is_active=True)
    if lock:
        people = people.select_for_update()
    person = people.filter(pk=int(pk)).first() if pk.isdigit() else None
    if person is None:
        raise LinkInvalid(expired=False)
    if person.email and digest == _link_digest(person.email):
        return VerificationLink(person, person.email, is_change=False)
    if person.pending_email and digest == _link_digest(person.pending_email):
        return VerificationLink(person, person.pending_email, is_change=True)
    # The address the link was sent to is no longer this person's (or asked for).
    raise LinkInvalid(expired=False)


def enqueue_verification(person: Person, *, site: str, email: str | None = None) -> None:
    """Write the verification mail for ``email`` (default: the person's address).

    Call inside the caller's transaction: the mail exists only if its cause commits.
    """
    address = email or person.email or ""
    recipient = person
    if address != person.email:
        # The outbox writes to the person's address; a new address is confirmed
        # by mail to it, before it becomes the person's, so hand it a copy.
        recipient = copy.copy(person)
        recipient.email = address
    enqueue(
        person=recipient,
        purpose="account",
        template="people/verify",
        site=site,
        context={
            "verify_url": verification_url(person, address, site),
            "is_change": address != person.email,
            "valid_days": settings.VERIFICATION_MAX_AGE // (24 * 60 * 60),
        },
    )


def resend_verification(person: Person, *, site: str) -> None:
    """Send a new verification link to a signed-in person's unverified address.

    Rate limited per account, since each call sends a mail.
    """
    ratelimit.attempt("resend", person.pk)
    with transaction.atomic():
        enqueue_verification(person, site=site)
        record_audit(
            "person.verification_resent",
            subject_id=person.pk,
            categories=["user.contact.email"],
            reason="asked for a new verification link",
            detail={"site": site},
        )


def confirm_address(token: str) -> VerificationLink:
    """Verify the address a link was sent to: the person's own, or their new one.

    A link already used leaves things as they are. A new address replaces the old
    one only here, once its owner has shown they read mail sent to it.
    """
    with transaction.atomic():
        link = read_verification_link(token, lock=True)
        person = link.person
        if link.already_verified:
            return link
        person.email_verified_at = timezone.now()
        if not link.is_change:
            person.save(update_fields=["email_verified_at"])
            record_audit(
                "person.verify_email",
                subject_id=person.pk,
                categories=["user.contact.email"],
                reason="followed the verification link",
            )
            return link
        new_email = normalise_email(person.pending_email)
        if Person.objects.filter(email__iexact=new_email).exclude(pk=person.pk).exists():
            raise AddressTaken()
        person.email = new_email
        person.pending_email = ""
        try:
            with transaction.atomic():
                person.save(update_fields=["email", "pending_email", "email_verified_at"])
        except IntegrityError:
            # Another account took the address between the check and the save.
            raise AddressTaken() from None
        record_audit(
            "person.change_email",
            subject_id=person.pk,
            categories=["user.contact.email"],
            reason="followed the link sent to the new address",
        )
    return VerificationLink(person, new_email, is_change=True)
