"""A small WSGI layer: the request as the handlers need it, and responses."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

StartResponse = Callable[..., Any]
MAX_BODY = 1 << 20


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        try:
            length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length else b""
        return cls(
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("PATH_INFO", "/"),
            query=environ.get("QUERY_STRING", ""),
            headers=headers,
            body=body,
        )

    def form(self) -> dict[str, str]:
        """A browser form's fields (the card page): last value of each name."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def __call__(self, start_response: StartResponse) -> Iterable[bytes]:
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))]
        headers += list(self.headers.items())
        start_response(f"{self.status} {REASONS.get(self.status, 'Status')}", headers)
        return [self.body]


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    """JSON as Stripe writes it: indented, one object per response."""
    body = json.dumps(data, indent=2).encode()
    return Response(status, body, "application/json", headers or {})


def html_response(status: int, page: str) -> Response:
    return Response(status, page.encode(), headers={"Cache-Control": "no-store"})


def redirect(location: str) -> Response:
    return Response(303, b"", headers={"Location": location})


REASONS = {
    200: "OK",
    204: "No Content",
    303: "See Other",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    500: "Internal Server Error",
}
