"""'Manage my data' (C21): see, download, correct, deactivate or delete, from a link in
any mail or while signed in.

Every page that acts shows one button on GET and acts only on POST: mail scanners
open links, and opening a link must never change anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from pledge.lib.signing import BadToken
from pledge.people.models import Person
from pledge.people.ratelimit import RateLimited

from .access import LINK_MAX_AGE_DAYS, Access, person_for_token
from .correction import correct_person
from .deactivation import deactivate_person
from .erasure import erase_person, erasure_plan, kept_after_erasure
from .exceptions import RightsRefused
from .export import by_collection_point, export_person_data
from .forms import CorrectionForm, LinkRequestForm
from .links import send_manage_link

# Notices the data page shows after a redirect, named in its query string: a fixed
# set, so the URL cannot put words on the page (and no messages cookie is needed).
NOTICES = {
    "corrected": "Your details are corrected.",
    "email": "We sent a link to your new address. Your address changes when you follow it.",
}
DONE_PAGES = {"deactivated", "deleted"}

PersonView = Callable[..., HttpResponse]


def _site_key(request: HttpRequest) -> str:
    return request.site.key  # type: ignore[attr-defined]


def _bad_link(request: HttpRequest, exc: BadToken) -> HttpResponse:
    return render(
        request,
        "rights/bad_link.html",
        {"expired": exc.expired, "form": LinkRequestForm(), "valid_days": LINK_MAX_AGE_DAYS},
        status=400,
    )


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "rights/gone.html", {"kept": kept_after_erasure()})


def about_person(view: PersonView) -> Callable[..., HttpResponse]:
    """Resolve whose data the page is about: the token's person, or the signed-in person.

    A bad token gets a page that says why, with the form for a new link. A record
    that is erased (or gone) gets "we hold no data about you".
    """

    @wraps(view)
    def wrapper(request: HttpRequest, token: str | None = None, **kwargs: Any) -> HttpResponse:
        if token is None:
            if not request.user.is_authenticated:
                return redirect("rights:start")
            # The model itself, not the lazy wrapper on the request, and fresh.
            person: Person | None = Person.objects.filter(pk=request.user.pk).first()
        else:
            try:
                person = person_for_token(token)
            except BadToken as exc:
                return _bad_link(request, exc)
        if person is None or person.status == Person.Status.ERASED:
            return _gone(request)
        return view(request, person, Access(token), **kwargs)

    return never_cache(wrapper)


def _sign_out_if(request: HttpRequest, person: Person) -> None:
    # The action ended the person's sessions; end this request's too, so the
    # session middleware starts a fresh one instead of saving a deleted one.
    if request.user.is_authenticated and request.user.pk == person.pk:
        logout(request)


@never_cache
def start(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("rights:manage")
    form = LinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            send_manage_link(form.cleaned_data["email"], site=_site_key(request))
        except RateLimited:
            # The same answer: the limit counts unknown addresses too, but the page
            # must not become a way to ask whether a mail went.
            pass
        return redirect("rights:sent")
    return render(request, "rights/start.html", {"form": form})


def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "rights/sent.html", {"valid_days": LINK_MAX_AGE_DAYS})


@about_person
def manage(request: HttpRequest, person: Person, access: Access) -> HttpResponse:
    data = export_person_data(person, via=access.via, delivery="page")
    return render(
        request,
        "rights/manage.html",
        {
            "person": person,
            "data": data,
            "groups": by_collection_point(data),
            "urls": access.urls,
            "notice": NOTICES.get(request.GET.get("done", "")),
        },
    )


@about_person
def export(request: HttpRequest, person: Person, access: Access) -> HttpResponse:
    data = export_person_data(person, via=access.via, delivery="file")
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = f"my-data-{_site_key(request)}-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@about_person
def correct(request: HttpRequest, person: Person, access: Access) -> HttpResponse:
    form = CorrectionForm(request.POST or None, person=person)
    refusal = None
    if person.status != Person.Status.ACTIVE:
        refusal = "A deactivated account cannot be changed. You can still download or delete it."
    elif request.method == "POST" and form.is_valid():
        try:
            result = correct_person(person, form.changes(), via=access.via, site=_site_key(request))
        except (RightsRefused, RateLimited) as exc:
            refusal = str(exc)
        else:
            done = "email" if result.email_pending else "corrected"
            return redirect(f"{access.url('manage')}?done={done}")
    return render(
        request,
        "rights/correct.html",
        {"form": form, "urls": access.urls, "refusal": refusal, "person": person},
    )


@about_person
def deactivate(request: HttpRequest, person: Person, access: Access) -> HttpResponse:
    refusal = None
    if request.method == "POST":
        try:
            deactivate_person(person, via=access.via)
        except RightsRefused as exc:
            refusal = str(exc)
        else:
            _sign_out_if(request, person)
            return redirect("rights:done", what="deactivated")
    return render(
        request,
        "rights/deactivate.html",
        {"person": person, "urls": access.urls, "refusal": refusal},
    )


@about_person
def delete(request: HttpRequest, person: Person, access: Access) -> HttpResponse:
    refusal = None
    if request.method == "POST":
        try:
            erase_person(person, via=access.via)
        except RightsRefused as exc:
            refusal = str(exc)
        else:
            _sign_out_if(request, person)
            return redirect("rights:done", what="deleted")
    return render(
        request,
        "rights/delete.html",
        {
            "person": person,
            "urls": access.urls,
            "plan": [step for step in erasure_plan(person) if step.rows],
            "kept": kept_after_erasure(),
            "refusal": refusal,
        },
    )


def done(request: HttpRequest, what: str) -> HttpResponse:
    if what not in DONE_PAGES:
        raise Http404("no such page")
    if what == "deleted":
        return _gone(request)
    return render(request, "rights/deactivated.html")
