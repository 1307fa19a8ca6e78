"""Joining and leaving mailing lists, under /mail/ (C9, C10, C16).

A link in a mail changes nothing on GET (scanners open links): the confirmation
and unsubscribe pages show one button, and only the POST acts. The unsubscribe
URL is also the List-Unsubscribe URL of RFC 8058: a mail program POSTs
``List-Unsubscribe=One-Click`` to it with no cookie and no CSRF token, and gets a
plain 200 page, never a redirect. Someone already off the list, deactivated or
erased is told "done" all the same. No script on any of these pages: a scanner
that runs scripts must not unsubscribe anyone.

Refusals raised by the actions (ListRefused, RateLimited, BadToken) are turned
into words here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from pledge.lib.signing import BadToken
from pledge.people.ratelimit import RateLimited
from pledge.policy.models import Consent

from .forms import ListChoiceForm, SubscribeForm
from .lists import (
    ListRefused,
    confirm_subscription,
    declared_lists,
    public_list,
    read_confirmation,
    read_unsubscribe_token,
    request_subscription,
    request_subscription_by_email,
    unsubscribe,
)

TOO_MANY = 429
# RFC 8058: the body a mail program's one-click unsubscribe POSTs.
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"


def _site_key(request: HttpRequest) -> str:
    return request.site.key  # type: ignore[attr-defined]


def _account_lists() -> str:
    return reverse("people:account") + "#mailing-lists"


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """A visitor's sign-up: name and address; the same answer whoever the address is."""
    if request.user.is_authenticated:
        return redirect(_account_lists())
    mlist = public_list()
    form = SubscribeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid() and mlist is not None:
        try:
            request_subscription_by_email(
                form.cleaned_data["name"],
                form.cleaned_data["email"],
                mlist.key,
                site=_site_key(request),
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = TOO_MANY
        except ListRefused as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("lists:subscribe_sent")
    return render(
        request, "lists/subscribe.html", {"form": form, "mailing_list": mlist}, status=status
    )


def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "lists/subscribe_sent.html", {"mailing_list": public_list()})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button and changes nothing; POST joins the list."""
    try:
        if request.method == "POST":
            pending = confirm_subscription(token, site=_site_key(request))
            return render(request, "lists/confirmed.html", {"pending": pending})
        pending = read_confirmation(token)
    except BadToken as exc:
        return render(request, "lists/confirm_invalid.html", {"expired": exc.expired}, status=400)
    except ListRefused as exc:
        return render(request, "lists/refused.html", {"reason": exc.message}, status=403)
    template = "lists/confirmed.html" if pending.already else "lists/confirm.html"
    return render(request, template, {"pending": pending})


@csrf_exempt  # RFC 8058: the one-click POST comes with no cookie and no token.
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_link(request: HttpRequest, token: str) -> HttpResponse:
    """The opt-out link of every list mail (C16), and its List-Unsubscribe URL.

    GET shows one button and changes nothing. POST takes the person off the list:
    the page's button (via "link") or a mail program's one-click POST (via
    "one_click"). Either way the answer is 200 and "done".
    """
    try:
        opt_out = read_unsubscribe_token(token)
    except BadToken:
        return render(request, "lists/unsubscribe_invalid.html", status=400)
    if request.method == "GET":
        return render(request, "lists/unsubscribe.html", {"opt_out": opt_out})
    one_click = request.POST.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE
    if opt_out.person is not None:
        unsubscribe(
            opt_out.person,
            opt_out.purpose,
            scope=opt_out.scope,
            via=Consent.Via.ONE_CLICK if one_click else Consent.Via.LINK,
            site=_site_key(request),
            message_token=opt_out.message_token,
        )
    return render(request, "lists/unsubscribed.html", {"opt_out": opt_out})


def _choice(request: HttpRequest) -> tuple[Any, str] | None:
    form = ListChoiceForm(request.POST)
    if not form.is_valid():
        return None
    mlist = declared_lists().get(form.cleaned_data["list"])
    return (mlist, form.cleaned_data["scope"]) if mlist is not None else None


@login_required
@require_POST
def account_subscribe(request: HttpRequest) -> HttpResponse:
    """The account page's "Subscribe": mail the signed-in person the confirmation link."""
    person: Any = request.user
    choice = _choice(request)
    if choice is None:
        messages.error(request, "There is no such mailing list.")
        return redirect(_account_lists())
    mlist, scope = choice
    try:
        sent = request_subscription(person, mlist.key, site=_site_key(request), scope=scope)
    except (ListRefused, RateLimited) as exc:
        messages.error(request, exc.message)
    else:
        if sent:
            messages.success(
                request,
                f"Almost done: we sent a link to {person.email}. "
                f"Follow it to confirm that you want {mlist.label}.",
            )
        else:
            messages.info(request, f"You are on {mlist.label} already.")
    return redirect(_account_lists())


@login_required
@require_POST
def account_unsubscribe(request: HttpRequest) -> HttpResponse:
    """The account page's "Unsubscribe": off the list at once, no question asked."""
    choice = _choice(request)
    if choice is not None:
        mlist, scope = choice
        unsubscribe(
            request.user,
            mlist.purpose,
            scope=scope,
            via=Consent.Via.FORM,
            site=_site_key(request),
        )
        messages.success(request, f"Done: you will get no more {mlist.label}.")
    return redirect(_account_lists())
