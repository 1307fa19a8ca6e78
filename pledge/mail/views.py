"""The open pixel of HTML mail (C8), and the demo's mail reader at /dev/mail/.

The pixel answers every request with the same clear gif, never cached, whether or
not its token names a message: the answer tells the requester nothing.

The mail reader shows the messages the catcher caught, only in the demo
(``PLEDGE_ENV == "demo"``): the URLs are mounted only then, and each view checks
again. A caught HTML part is someone else's markup: it is served
on its own URL under ``Content-Security-Policy: sandbox`` (no script, no plugin,
no same-origin access, nothing fetched from elsewhere) and shown in an iframe.
"""

from __future__ import annotations

from email.message import EmailMessage

from csp.decorators import csp
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from .catcher import NotCaught, caught_messages, read_caught
from .opens import CLEAR_GIF, record_open

SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Return-Path", "Auto-Submitted")

# The caught HTML part may style itself (mail does, inline) and show inline images;
# it may not run anything, load anything from elsewhere, or be framed by other sites.
# A click on one of its links may open the link in the whole window, so the demo's
# buttons in mail (verify, manage your data) work as they would in a mail program.
CAUGHT_HTML_POLICY = {
    "sandbox": ["allow-top-navigation-by-user-activation"],
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "frame-ancestors": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
}


@require_safe
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """GET /o/<token>.gif: count an open of the message, answer the clear gif.

    A HEAD (a link checker's) counts nothing.
    """
    if request.method == "GET":
        record_open(token)
    response = HttpResponse(CLEAR_GIF, content_type="image/gif")
    response["Cache-Control"] = "no-store, max-age=0"
    return response


def _demo_only() -> None:
    if settings.PLEDGE_ENV != "demo":
        raise Http404("the mail catcher exists only in the demo")


def _caught(name: str) -> EmailMessage:
    try:
        return read_caught(settings.MAIL_CATCHER_DIR, name)
    except NotCaught:
        raise Http404("no such message") from None


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return ""
    return str(part.get_content())


def catcher_list(request: HttpRequest) -> HttpResponse:
    _demo_only()
    messages = caught_messages(settings.MAIL_CATCHER_DIR)
    return render(request, "mailcatcher/list.html", {"caught": messages})


def catcher_show(request: HttpRequest, name: str) -> HttpResponse:
    _demo_only()
    message = _caught(name)
    headers = [(key, str(message[key])) for key in SHOWN_HEADERS if message[key] is not None]
    context = {
        "name": name,
        "headers": headers,
        "subject": str(message["Subject"] or ""),
        "text": _part(message, "plain"),
        "has_html": bool(_part(message, "html")),
    }
    return render(request, "mailcatcher/show.html", context)


@xframe_options_sameorigin
@csp(CAUGHT_HTML_POLICY)  # type: ignore[arg-type]  # django-csp types a view as taking only the request
def catcher_html(request: HttpRequest, name: str) -> HttpResponse:
    _demo_only()
    html = _part(_caught(name), "html")
    if not html:
        raise Http404("this message has no HTML part")
    return HttpResponse(html, content_type="text/html; charset=utf-8")
