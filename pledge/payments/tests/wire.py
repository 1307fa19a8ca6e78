"""A processor at the network boundary for unit tests: an HTTP server speaking Stripe's API.

Only what the adapter calls: create and retrieve a Checkout Session, create a
refund, with Stripe's form encoding, idempotency keys and error bodies. It keeps
every request's raw body, so a test can read exactly what left the vendor (C14).
The end-to-end tests use ``sandbox_processor`` instead, with its card page.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Captured:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class Wire:
    base: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Captured] = field(default_factory=list)
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    counter: Any = field(default_factory=lambda: itertools.count(1))

    def complete(self, session_id: str, *, amount_total: int | None = None) -> dict[str, Any]:
        """The buyer paid on the processor's page."""
        session = self.sessions[session_id]
        session.update(
            status="complete", payment_status="paid", payment_intent=f"pi_{session_id[3:]}"
        )
        if amount_total is not None:
            session["amount_total"] = amount_total
        return session

    def expire(self, session_id: str) -> dict[str, Any]:
        self.sessions[session_id].update(status="expired")
        return self.sessions[session_id]

    def create_session(self, form: dict[str, str]) -> dict[str, Any]:
        n = next(self.counter)
        session_id = f"cs_test_{n:04d}"
        amount = int(form["line_items[0][price_data][unit_amount]"]) * int(
            form.get("line_items[0][quantity]", "1")
        )
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.base}/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "amount_total": amount,
            "currency": form["line_items[0][price_data][currency]"],
            "client_reference_id": form.get("client_reference_id"),
            "customer_email": form.get("customer_email"),
            "mode": form.get("mode"),
        }
        self.sessions[session_id] = session
        return session


def _handler(wire: Wire) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_{next(wire.counter)}")
            self.end_headers()
            self.wfile.write(data)

        def _capture(self) -> Captured:
            length = int(self.headers.get("Content-Length") or 0)
            captured = Captured(
                self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
            )
            wire.requests.append(captured)
            return captured

        def do_GET(self) -> None:
            self._capture()
            prefix = "/v1/checkout/sessions/"
            if self.path.startswith(prefix) and self.path[len(prefix) :] in wire.sessions:
                self._reply(200, wire.sessions[self.path[len(prefix) :]])
                return
            self._reply(
                404,
                {"error": {"type": "invalid_request_error", "message": "No such checkout.session"}},
            )

        def do_POST(self) -> None:
            captured = self._capture()
            key = captured.headers.get("Idempotency-Key", "")
            if key and key in wire.by_key:
                self._reply(200, wire.by_key[key])
                return
            if self.path == "/v1/checkout/sessions":
                result = wire.create_session(captured.form)
            elif self.path == "/v1/refunds":
                intent = captured.form["payment_intent"]
                session = next(s for s in wire.sessions.values() if s["payment_intent"] == intent)
                result = {
                    "id": f"re_{next(wire.counter)}",
                    "object": "refund",
                    "status": "succeeded",
                    "amount": session["amount_total"],
                    "currency": session["currency"],
                    "payment_intent": intent,
                }
            else:
                self._reply(404, {"error": {"type": "invalid_request_error", "message": "no"}})
                return
            if key:
                wire.by_key[key] = result
            self._reply(200, result)

    return Handler


def start_wire() -> tuple[Wire, ThreadingHTTPServer]:
    wire = Wire()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(wire))
    wire.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return wire, server
