"""The page beacon (C8) and the exit redirect (C6, C17).

Both are plain requests that the access log records; neither view stores anything
itself. In production nginx answers the beacon from its own configuration
(docs/deployment.md); the view serves the embedded default the same bytes.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.views.decorators.http import require_safe

from pledge.mail.opens import CLEAR_GIF

from .exits import NotOurLink, destination_of


@require_safe
def beacon(request: HttpRequest, key: str) -> HttpResponse:
    """GET /b/<content key>.gif: the clear gif; the log line is the count."""
    response = HttpResponse(CLEAR_GIF, content_type="image/gif")
    response["Cache-Control"] = "no-store, max-age=0"
    return response


@require_safe
def exit_redirect(request: HttpRequest) -> HttpResponse:
    """GET /out/?to=…&sig=…: on to another site, if the link is ours."""
    try:
        destination = destination_of(request.GET.get("to", ""), request.GET.get("sig", ""))
    except NotOurLink as refused:
        return HttpResponseBadRequest(
            f"This link does not lead anywhere: {refused}.", content_type="text/plain"
        )
    response = HttpResponseRedirect(destination)
    response["Cache-Control"] = "no-store, max-age=0"
    response["Referrer-Policy"] = "no-referrer"
    return response
