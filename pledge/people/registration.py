"""Registering an account on one of the sites (C2)."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.urls import reverse

from pledge.mail.outbox import enqueue, site_base_url
from pledge.policy.audit import record_audit
from pledge.policy.consent import record_consent

from . import ratelimit
from .digests import normalise_email
from .models import Person
from .verification import enqueue_verification

POINT = "registration"
# C2: the one use a registration's contact details may be put to beyond the account.
SERVICE_INTEREST = "service_interest"


def register_person(
    *,
    name: str,
    email: str,
    password: str,
    site: str,
    service_interest: bool,
) -> Person | None:
    """Create an account and write its verification mail, in one transaction.

    ``service_interest`` records the person's consent to be told about new services
    (C2); without it the gate refuses that contact. When the address already has an
    account, nothing is created and that account is told by mail that someone tried
    to register with it; the caller shows the same page either way, so the form does
    not reveal who has an account. Returns the new person, or None in that case.
    """
    email = normalise_email(email)
    ratelimit.attempt("register", email)
    with transaction.atomic():
        existing = Person.objects.filter(email__iexact=email).first()
        if existing is None:
            try:
                with transaction.atomic():
                    person = Person.objects.create_user(
                        email, password, point=POINT, name=name.strip(), site=site
                    )
            except IntegrityError:
                # Registered by a request running at the same moment.
                existing = Person.objects.get(email__iexact=email)
        if existing is not None:
            tell_existing_account(existing, site=site)
            # The same work as a real registration, so the answer's timing does not
            # tell whether the address has an account.
            make_password(password)
            return None
        if service_interest:
            record_consent(
                person,
                SERVICE_INTEREST,
                granted=True,
                via="form",
                collection_point=POINT,
                site=site,
            )
        enqueue_verification(person, site=site)
        record_audit(
            "person.register",
            subject_id=person.pk,
            categories=person.collected_under.declaration["collection_points"][POINT]["categories"],
            reason=f"registered on {site}",
            detail={"site": site, "service_interest": service_interest},
        )
    return person


def tell_existing_account(person: Person, *, site: str) -> None:
    """Mail an account's owner that someone tried to use their address again.

    Call inside the caller's transaction. The mail offers sign-in and reset links.
    """
    base = site_base_url(site)
    enqueue(
        person=person,
        purpose="account",
        template="people/already_registered",
        site=site,
        context={
            "login_url": base + reverse("people:login"),
            "reset_url": base + reverse("people:password_reset"),
        },
    )
    record_audit(
        "person.register_existing",
        subject_id=person.pk,
        reason=f"someone tried to register this address again on {site}",
        detail={"site": site},
    )
