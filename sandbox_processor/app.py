"""The WSGI application: routes to the API, the card page, the dashboard and static files."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from importlib.resources import files
from typing import Any

from sandbox_processor import api, dashboard, hosted
from sandbox_processor.errors import ApiError
from sandbox_processor.pages import message_page
from sandbox_processor.processor import Processor
from sandbox_processor.web import Request, Response, StartResponse, html_response, json_response

log = logging.getLogger("sandbox_processor")
PAY = re.compile(r"^/pay/(?P<id>cs_[A-Za-z0-9_]+)/?$")
STATIC = {"/static/sandbox.css": ("sandbox.css", "text/css; charset=utf-8")}


class Application:
    def __init__(self, sandbox: Processor) -> None:
        self.sandbox = sandbox

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        try:
            response = self.route(request)
        except Exception:
            # Never the request body in the log: it may hold a card number.
            log.exception("error answering %s %s", request.method, request.path)
            if request.path.startswith("/v1/"):
                error = ApiError(500, "An unexpected error occurred.", type="api_error")
                response = json_response(500, error.body())
            else:
                response = html_response(
                    500, message_page("Something went wrong", "Please try again.")
                )
        return response(start_response)

    def route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/v1/"):
            return api.handle(self.sandbox, request)
        if match := PAY.match(path):
            return hosted.handle(self.sandbox, request, match["id"])
        if path in ("/", "/dashboard", "/dashboard/"):
            return html_response(200, dashboard.page(self.sandbox))
        if path == "/dashboard/deliveries.json":
            return json_response(200, deliveries(self.sandbox))
        if path in STATIC:
            name, content_type = STATIC[path]
            body = (files("sandbox_processor") / "static" / name).read_bytes()
            return Response(200, body, content_type, {"Cache-Control": "max-age=300"})
        if path == "/favicon.ico":
            return Response(204)
        if path == "/healthz":
            return Response(200, b"ok\n", "text/plain")
        return html_response(404, message_page("Not found", "There is no page at this address."))


def deliveries(sandbox: Processor) -> dict[str, Any]:
    """The webhook ledger as JSON, oldest first: for tests and scripts."""
    db = sandbox.store.connection()
    return {
        "deliveries": [dict(row) for row in db.execute("SELECT * FROM deliveries ORDER BY rowid")],
        "attempts": [dict(row) for row in db.execute("SELECT * FROM attempts ORDER BY id")],
    }
