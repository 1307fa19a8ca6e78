"""Django's own request logging, masked like the access log (C7).

``django.request`` writes "Not Found: /path" and the like, and runserver's
``django.server`` writes each request line: both would put a signed link's token,
an email address in a path or a query string into the process's log. This filter,
set on those two loggers in ``LOGGING``, rewrites their arguments with the masks of
``logmask`` before any handler sees the record.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_to_bytes

from .logmask import mask_path, mask_target


def _masked_target(target: str) -> str:
    path, _, query = target.partition("?")
    raw = mask_target(unquote_to_bytes(path), query.encode("latin-1", "replace"))
    return raw.decode("utf-8", "replace")


def _masked_request_line(line: str) -> str:
    parts = line.split(" ")
    if len(parts) == 3:  # METHOD target PROTOCOL
        return f"{parts[0]} {_masked_target(parts[1])} {parts[2]}"
    return ":request"  # not a request line we can read: keep nothing of it


class MaskRequestPaths(logging.Filter):
    """Mask every path or request line among a ``django.request``/``django.server`` record's arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._masked(arg) for arg in record.args)
        return True

    @staticmethod
    def _masked(arg: object) -> object:
        if not isinstance(arg, str):
            return arg
        if arg.startswith("/"):
            return mask_path(arg.partition("?")[0])
        if " /" in arg and arg.rsplit(" ", 1)[-1].startswith("HTTP/"):
            return _masked_request_line(arg)
        return arg
