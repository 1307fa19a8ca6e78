"""Signing in and out.

Sessions end when the browser closes (C5: SESSION_EXPIRE_AT_BROWSER_CLOSE). The
audit rows name the person by number only; an IP address is never recorded next
to a person (C7).
"""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import HttpRequest

from pledge.policy.audit import record_audit

from . import ratelimit
from .digests import normalise_email
from .models import Person


class SignInRefused(Exception):
    """Wrong address or password, or an account that may not sign in.

    One refusal for all of these: saying which would tell who has an account.
    """


def sign_in(request: HttpRequest, *, email: str, password: str) -> Person:
    """Check the credentials and start a session. Rate limited per address.

    Deactivated and erased people are refused by the backend like a wrong password.
    """
    email = normalise_email(email)
    ratelimit.check("login", email)
    person = authenticate(request, username=email, password=password)
    if person is None:
        ratelimit.count("login", email)
        raise SignInRefused()
    with transaction.atomic():
        login(request, person)
        record_audit(
            "person.sign_in",
            subject_id=person.pk,
            reason="signed in",
            detail={"site": getattr(getattr(request, "site", None), "key", "")},
        )
    ratelimit.clear("login", email)
    return person


def sign_out(request: HttpRequest) -> None:
    """End the session."""
    person = request.user
    with transaction.atomic():
        if person.is_authenticated:
            record_audit("person.sign_out", subject_id=person.pk, reason="signed out")
        logout(request)
