"""The embedded default's access log: the combined format, written by Pledge itself (C7).

In production nginx writes this log (docs/deployment.md); in the embedded default
this middleware writes the same lines, one file per UTC day
(``access-YYYY-MM-DD.log``), so a rotated file is never renamed under a writer and
``pledge logs ingest`` reads both alike. A line holds the client address, the time,
the request, status, size, referring page and user agent, and the host: no account,
no email address, no session id, no cookie. Paths and referrers are masked by the
same list as nginx's (``logmask``): query strings dropped, tokens, numbers and
addresses in a path replaced by placeholders, so no signed link lands in a file
either; an exit redirect keeps only its destination's host.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .logmask import escaped, mask_referrer, mask_target


class AccessLogMiddleware:
    """Appends one combined-format line per response when ``ACCESS_LOG_DIR`` is set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        directory = settings.ACCESS_LOG_DIR
        if directory:
            write_line(Path(directory), log_line(request, response, datetime.now(UTC)))
        return response


def log_line(request: HttpRequest, response: HttpResponse, when: datetime) -> str:
    """One line of Apache's vhost_combined format, byte for byte what nginx writes with
    the configuration ``pledge logs nginx-config`` prints (but for the time zone)."""
    meta = request.META
    host = meta.get("HTTP_HOST", "").split(":", 1)[0].lower() or "-"
    # nginx masks the path decoded, as Django has it (a byte that is not UTF-8 aside:
    # Django keeps it %-encoded).
    target = mask_target(request.path.encode("utf-8"), _raw(meta.get("QUERY_STRING", "")))
    referrer = mask_referrer(_raw(meta.get("HTTP_REFERER", "")))
    agent = meta.get("HTTP_USER_AGENT")
    size = "-" if response.streaming else str(len(response.content))
    stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return (
        f"{_field(host)}:{_field(meta.get('SERVER_PORT', '80'))} "
        f"{_field(meta.get('REMOTE_ADDR', '-'))} - - [{stamp}] "
        f'"{_field(request.method or "-")} {escaped(target)} '
        f'{_field(meta.get("SERVER_PROTOCOL", "HTTP/1.1"))}" '
        f'{response.status_code} {size} "{"-" if referrer is None else escaped(referrer)}" '
        f'"{"-" if agent is None else _field(agent)}"\n'
    )


def _raw(value: str) -> bytes:
    """A WSGI string as the bytes the client sent (PEP 3333: one character a byte)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _field(value: str) -> str:
    return escaped(_raw(value))


def write_line(directory: Path, line: str) -> None:
    """Append to today's file with one ``write`` on an O_APPEND descriptor: lines from
    several processes never interleave."""
    directory.mkdir(parents=True, exist_ok=True)
    name = directory / f"access-{datetime.now(UTC):%Y-%m-%d}.log"
    fd = os.open(name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8", errors="replace"))
    finally:
        os.close(fd)
