from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .sites import site_for_host


class SiteMiddleware:
    """Sets ``request.site`` from the host name."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # django-stubs types request.site as django.contrib.sites' Site; ours is pledge.site's.
        request.site = site_for_host(request.get_host())  # type: ignore[assignment]
        return self.get_response(request)
