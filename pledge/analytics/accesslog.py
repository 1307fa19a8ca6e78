"""The embedded default's access log: the combined format, written by Pledge itself (C7).

In production nginx writes this log (docs/deployment.md); in the embedded default
this middleware writes the same lines, one file per UTC day
(``access-YYYY-MM-DD.log``), so a rotated file is never renamed under a writer and
``pledge logs ingest`` reads both alike. A line holds the client address, the time,
the request, status, size, referring page and user agent, and the host: no account,
no email address, no session id, no cookie. Paths and referrers are written as the
ingest would count them (query strings dropped; tokens, numbers and addresses in a
path replaced by placeholders), so no signed link lands in a file either; an exit
redirect keeps only its destination's host.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .logformat import path_of

UNSAFE = str.maketrans({'"': "'", "\\": "/", "\n": " ", "\r": " ", "\t": " "})


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
    """One line of Apache's vhost_combined format (nginx writes it with ``$host:$server_port``)."""
    meta = request.META
    host = _field(meta.get("HTTP_HOST", "-").split(":", 1)[0] or "-").replace(" ", "")
    port = meta.get("SERVER_PORT", "80")
    ip = _field(meta.get("REMOTE_ADDR", "-")).replace(" ", "") or "-"
    target = _target(request)
    protocol = _field(meta.get("SERVER_PROTOCOL", "HTTP/1.1"))
    size = "-" if response.streaming else str(len(response.content))
    stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return (
        f'{host}:{port} {ip} - - [{stamp}] "{_field(request.method or "-")} {target} {protocol}" '
        f'{response.status_code} {size} "{_referrer(meta.get("HTTP_REFERER", ""))}" '
        f'"{_field(meta.get("HTTP_USER_AGENT", "-"))}"\n'
    )


def _target(request: HttpRequest) -> str:
    """The counted path; for the exit redirect, also the destination's host (C6)."""
    target = path_of(request.path)
    if target == "/out/":
        try:
            host = urlsplit(request.GET.get("to", "")).hostname
        except ValueError:
            host = None
        if host:
            target += "?" + urlencode({"to": f"https://{host}/"})
    return target


def _field(value: str) -> str:
    return value.translate(UNSAFE)[:1000]


def _referrer(referrer: str) -> str:
    """Scheme, host and the counted path of the referring page; never its query."""
    if not referrer:
        return "-"
    try:
        parts = urlsplit(referrer)
    except ValueError:
        return "-"
    if not parts.scheme or not parts.hostname:
        return "-"
    return _field(f"{parts.scheme}://{parts.hostname}{path_of(parts.path or '/')}")


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
