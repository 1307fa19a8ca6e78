"""Resetting a forgotten password by mail, and changing it while signed in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from pledge.mail.outbox import enqueue, site_base_url
from pledge.policy.audit import record_audit

from . import ratelimit
from .digests import normalise_email
from .models import Person
from .verification import LinkInvalid


def request_password_reset(email: str, *, site: str) -> None:
    """Mail a reset link to the account with this address, if there is one.

    Says nothing about whether there is: the caller shows the same page. Rate
    limited per address, so the form cannot be used to flood someone's mailbox.
    """
    email = normalise_email(email)
    ratelimit.attempt("reset", email)
    person = Person.objects.filter(
        email__iexact=email, status=Person.Status.ACTIVE, is_active=True
    ).first()
    if person is None:
        return
    uidb64 = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    path = reverse("people:password_reset_confirm", args=[uidb64, token])
    with transaction.atomic():
        enqueue(
            person=person,
            purpose="account",
            template="people/password_reset",
            site=site,
            context={
                "reset_url": site_base_url(site) + path,
                "valid_hours": settings.PASSWORD_RESET_TIMEOUT // (60 * 60),
            },
        )
        record_audit(
            "person.password_reset_request",
            subject_id=person.pk,
            reason="asked for a password reset link",
            detail={"site": site},
        )


def reset_link_person(uidb64: str, token: str) -> Person:
    """The person a reset link is for; raise LinkInvalid if it is used, old or forged.

    Django's token hashes the password and the last sign-in, so it stops working
    once the password is set or the person signs in.
    """
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        raise LinkInvalid(expired=False) from None
    person = Person.objects.filter(pk=pk, status=Person.Status.ACTIVE, is_active=True).first()
    if person is None or not default_token_generator.check_token(person, token):
        raise LinkInvalid(expired=False)
    return person


def reset_password(person: Person, password: str) -> None:
    """Set a new password from a reset link.

    The link reached the person's address, so an address not yet verified is
    verified by it.
    """
    with transaction.atomic():
        person.set_password(password)
        fields = ["password"]
        if person.email_verified_at is None:
            person.email_verified_at = timezone.now()
            fields.append("email_verified_at")
        person.save(update_fields=fields)
        record_audit(
            "person.password_reset",
            subject_id=person.pk,
            categories=["user.authorization.password"],
            reason="set a new password from a reset link",
            detail={"verified_email": "email_verified_at" in fields},
        )


def change_password(person: Person, password: str) -> None:
    """Set a new password for a signed-in person who gave their current one."""
    with transaction.atomic():
        person.set_password(password)
        person.save(update_fields=["password"])
        record_audit(
            "person.change_password",
            subject_id=person.pk,
            categories=["user.authorization.password"],
            reason="changed their password",
        )
