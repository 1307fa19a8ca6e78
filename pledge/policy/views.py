"""The published statement, its history and the cookie table (C4, C5, C22, C23)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import PolicyVersion
from .statement import Statement
from .versions import describe


def _render_version(request: HttpRequest, version: PolicyVersion, *, current: bool) -> HttpResponse:
    statement = Statement(version.declaration)
    return render(
        request,
        "policy/statement.html",
        {
            "version": version,
            "is_current": current,
            "statement": statement,
            "sections": statement.sections(),
            "site_names": statement.site_names(),
        },
    )


def statement(request: HttpRequest) -> HttpResponse:
    version = PolicyVersion.objects.current()
    if version is None:
        raise Http404("No privacy statement is published yet.")
    return _render_version(request, version, current=True)


def version(request: HttpRequest, number: int) -> HttpResponse:
    chosen = get_object_or_404(PolicyVersion, number=number)
    current = PolicyVersion.objects.current()
    return _render_version(request, chosen, current=current is not None and current.pk == chosen.pk)


def history(request: HttpRequest) -> HttpResponse:
    versions = list(PolicyVersion.objects.order_by("-number"))
    rows = [{"version": v, "changes": describe(v.changes)} for v in versions]
    return render(request, "policy/history.html", {"rows": rows})


def cookies(request: HttpRequest) -> HttpResponse:
    version = PolicyVersion.objects.current()
    if version is None:
        raise Http404("No privacy statement is published yet.")
    statement = Statement(version.declaration)
    return render(
        request,
        "policy/cookies.html",
        {
            "version": version,
            "table": statement.table_cookies(),
            "site_names": statement.site_names(),
        },
    )
