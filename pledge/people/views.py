"""Account pages: a form parses, one action acts, then render or redirect.

Refusals raised by the actions (RateLimited, SignInRefused, LinkInvalid,
AddressTaken) are turned into words here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from pledge.mail.lists import choices_for

from .forms import EmailChangeForm, LoginForm, NameForm, PasswordResetForm, RegistrationForm
from .passwords import change_password, request_password_reset, reset_link_person, reset_password
from .profile import change_name, request_email_change
from .ratelimit import RateLimited
from .registration import register_person
from .signin import SignInRefused, sign_in, sign_out
from .verification import (
    AddressTaken,
    LinkInvalid,
    confirm_address,
    read_verification_link,
    resend_verification,
)

SIGN_IN_REFUSED = (
    "We could not sign you in with that email address and password. Check both and "
    "try again, or reset your password. An account that was deactivated cannot sign in."
)
TOO_MANY = 429


def _site_key(request: HttpRequest) -> str:
    return request.site.key  # type: ignore[attr-defined]


def _next_url(request: HttpRequest) -> str:
    """Where to go after signing in: a local ``next`` if given, else the account page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("people:account")
    form = RegistrationForm(request.POST or None, site_name=request.site.name)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            register_person(
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                site=_site_key(request),
                service_interest=form.cleaned_data["service_interest"],
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = TOO_MANY
        else:
            # The same page whether or not the address had an account already.
            return redirect("people:verify_sent")
    return render(request, "people/register.html", {"form": form}, status=status)


def verify_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "people/verify_sent.html")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button and changes nothing (mail scanners open links); POST verifies."""
    try:
        if request.method == "POST":
            link = confirm_address(token)
            messages.success(request, f"Thank you: {link.email} is confirmed as your address.")
            if request.user.is_authenticated:
                return redirect("people:account")
            return redirect("people:login")
        link = read_verification_link(token)
    except LinkInvalid as exc:
        return render(request, "people/verify_invalid.html", {"expired": exc.expired}, status=400)
    except AddressTaken:
        return render(request, "people/verify_taken.html", status=409)
    template = "people/verify_done.html" if link.already_verified else "people/verify.html"
    return render(request, template, {"link": link})


# No "next": after signing in, a GET to this POST-only address would only fail.
@login_required(redirect_field_name=None)
@require_POST
def verify_resend(request: HttpRequest) -> HttpResponse:
    person = request.user
    if person.is_verified:  # type: ignore[union-attr]
        messages.info(request, "Your address is verified already.")
        return redirect("people:account")
    try:
        resend_verification(person, site=_site_key(request))  # type: ignore[arg-type]
    except RateLimited as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"We sent a new link to {person.email}.")  # type: ignore[union-attr]
    return redirect("people:account")


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            sign_in(
                request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = TOO_MANY
        except SignInRefused:
            form.add_error(None, SIGN_IN_REFUSED)
        else:
            return redirect(_next_url(request))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "people/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    person = request.user
    return render(
        request,
        "people/account.html",
        {"person": person, "mailing_lists": choices_for(person)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    person: Any = request.user
    form = NameForm(request.POST or None, initial={"name": person.name})
    if request.method == "POST" and form.is_valid():
        change_name(person, form.cleaned_data["name"])
        messages.success(request, "Your name is changed.")
        return redirect("people:account")
    return render(request, "people/profile_edit.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    person: Any = request.user
    form = EmailChangeForm(person, request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["email"]
        try:
            request_email_change(person, new_email, site=_site_key(request))
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = TOO_MANY
        else:
            messages.info(
                request,
                f"We sent a link to {new_email}. Your address stays {person.email} "
                "until you follow that link.",
            )
            return redirect("people:account")
    return render(request, "people/email_change.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    person: Any = request.user
    form = PasswordChangeForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        change_password(person, form.cleaned_data["new_password1"])
        # Keep this session signed in; other sessions of the person end.
        update_session_auth_hash(request, person)
        messages.success(request, "Your password is changed.")
        return redirect("people:account")
    return render(request, "people/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            request_password_reset(form.cleaned_data["email"], site=_site_key(request))
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = TOO_MANY
        else:
            # The same page whether or not the address has an account.
            return redirect("people:password_reset_done")
    return render(request, "people/password_reset.html", {"form": form}, status=status)


def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "people/password_reset_done.html")


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows the new-password form and changes nothing; POST sets the password."""
    try:
        person = reset_link_person(uidb64, token)
    except LinkInvalid:
        return render(request, "people/password_reset_invalid.html", status=400)
    form = SetPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        reset_password(person, form.cleaned_data["new_password1"])
        return redirect("people:password_reset_complete")
    return render(request, "people/password_reset_confirm.html", {"form": form})


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "people/password_reset_complete.html")
