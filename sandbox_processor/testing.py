"""Start a sandbox in its own process for a test, and talk to it over HTTP.

Used by the ``sandbox_processor`` fixture in ``pledge/conftest.py`` and by the
sandbox's own tests. The test process never imports the sandbox's storage: it
sees the sandbox only as the vendor does (the API, the card page, webhooks)
plus two read-only views for assertions (``/v1/events`` and
``/dashboard/deliveries.json``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urlsplit

SUCCEEDING_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
ASYNC_SUCCEEDING_CARD = "4000 0000 0000 0077"
ASYNC_FAILING_CARD = "4000 0000 0000 0119"
_READY = re.compile(r"listening on (http://[\d.]+:\d+)")


def encode(params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> str:
    """Stripe's bracket form of nested dicts and lists (what the SDK sends)."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(f"{prefix}[{key}]" if prefix else str(key), item)
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                walk(f"{prefix}[{index}]", item)
        elif value is not None:
            pairs.append((prefix, str(value).lower() if isinstance(value, bool) else str(value)))

    items = params.items() if isinstance(params, Mapping) else params
    for key, value in items:
        walk(key, value)
    return urlencode(pairs)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def location(self) -> str | None:
        return self.headers.get("location")


def http(
    method: str, url: str, body: str | None = None, headers: Mapping[str, str] | None = None
) -> HttpAnswer:
    """One request, redirects not followed, errors returned as answers."""
    request = urllib.request.Request(  # noqa: S310 (tests talk to 127.0.0.1)
        url,
        data=body.encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
    )
    try:
        with _opener.open(request, timeout=30) as response:
            return HttpAnswer(response.status, _lower(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, _lower(error.headers.items()), error.read())


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {key.lower(): value for key, value in items}


@dataclass
class RunningSandbox:
    """A sandbox process: where it listens, its keys, and ways to look inside.

    * ``base_url`` (``http://127.0.0.1:PORT``), ``secret_key`` (``sk_test_…``),
      ``webhook_secret`` (``whsec_…``), ``webhook_url``;
    * ``api(method, path, params, idempotency_key=)``: a raw API call;
    * ``events(type=None)``: its events, oldest first; ``wait_for_event(type)``;
    * ``deliveries()`` / ``wait_for_delivery(event_id, state="delivered")`` /
      ``wait_for_attempts(count)``: the webhook ledger (rows and attempts);
    * ``pay(session_url_or_id, number=…)``: fill and post the hosted card page
      as a browser would; the answer's ``location`` is the success_url on success;
    * ``restart()``, ``stop()``, ``log()``.
    """

    directory: Path
    secret_key: str
    webhook_secret: str
    webhook_url: str | None
    options: list[str]
    base_url: str = ""
    process: subprocess.Popen[bytes] | None = None
    db_path: Path = field(init=False)
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.db_path = self.directory / "sandbox.sqlite3"
        self.log_path = self.directory / "sandbox.log"

    # Process ------------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> RunningSandbox:
        args = [
            sys.executable,
            "-m",
            "sandbox_processor",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--db",
            str(self.db_path),
            "--secret-key",
            self.secret_key,
            "--webhook-secret",
            self.webhook_secret,
            "--webhook-url",
            self.webhook_url or "",
            *self.options,
        ]
        log = self.log_path.open("ab")
        offset = log.tell()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_PROCESSOR_")}
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=environ)  # noqa: S603
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = _READY.search(self.log_path.read_bytes()[offset:].decode("utf-8", "replace"))
            if match:
                self.base_url = match.group(1)
                if http("GET", self.base_url + "/healthz").status == 200:
                    return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the sandbox did not start:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """Stop at once, as a crash would (SIGKILL)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def restart(self) -> RunningSandbox:
        """Stop and start on the same database (the port changes)."""
        self.stop()
        return self.start()

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    # HTTP ---------------------------------------------------------------------

    def api(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
        *,
        idempotency_key: str | None = None,
        api_key: str | None = None,
    ) -> HttpAnswer:
        headers = {"Authorization": f"Bearer {api_key or self.secret_key}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        encoded = encode(params)
        if method == "GET":
            url = self.base_url + path + (f"?{encoded}" if encoded else "")
            return http("GET", url, headers=headers)
        return http(method, self.base_url + path, encoded, headers)

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        answer = self.api("GET", "/v1/events", {"limit": 100, "type": type})
        assert answer.status == 200, answer.text
        return list(reversed(answer.json()["data"]))

    def wait_for_event(self, type: str, timeout: float = 15.0, count: int = 1) -> dict[str, Any]:
        """The newest event of ``type`` once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.events(type)
            if len(found) >= count:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no {type} event within {timeout} s; events: {self.events()}")
            time.sleep(0.1)

    def deliveries(self) -> dict[str, list[dict[str, Any]]]:
        answer = http("GET", self.base_url + "/dashboard/deliveries.json")
        assert answer.status == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def wait_for_attempts(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The delivery attempts once at least ``count`` are recorded."""
        deadline = time.monotonic() + timeout
        while True:
            attempts = self.deliveries()["attempts"]
            if len(attempts) >= count:
                return attempts
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(attempts)} delivery attempts within {timeout} s")
            time.sleep(0.05)

    def wait_for_delivery(
        self, event_id: str, state: str = "delivered", timeout: float = 15.0
    ) -> dict[str, Any]:
        """The ledger row of ``event_id`` once it is in ``state``."""
        deadline = time.monotonic() + timeout
        while True:
            rows = {row["event_id"]: row for row in self.deliveries()["deliveries"]}
            row = rows.get(event_id)
            if row is not None and row["state"] == state:
                return row
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"delivery of {event_id} not {state} within {timeout} s: {row}"
                )
            time.sleep(0.1)

    def pay(
        self,
        session: str,
        number: str = SUCCEEDING_CARD,
        *,
        expiry: str | None = None,
        cvc: str = "123",
        name: str = "Ada Lovelace",
        email: str = "ada@example.com",
    ) -> HttpAnswer:
        """Post the card page for ``session`` (its url or its id) as a browser would."""
        url = session if session.startswith("http") else f"{self.base_url}/pay/{session}"
        path = urlsplit(url).path
        if expiry is None:
            today = time.gmtime()
            expiry = f"{today.tm_mon:02d}/{(today.tm_year + 3) % 100:02d}"
        form = {"number": number, "expiry": expiry, "cvc": cvc, "name": name, "email": email}
        return http("POST", self.base_url + path, urlencode(form))


def start_sandbox(
    directory: Path,
    *,
    webhook_url: str | None = None,
    secret_key: str | None = None,
    webhook_secret: str | None = None,
    retry_schedule: Sequence[float] = (0.2, 0.5, 1.0),
    async_delay: float = 1.0,
    sweep_interval: float = 0.2,
    allow_short_expiry: bool = True,
    business_name: str = "The Claxton Group",
) -> RunningSandbox:
    """Start a sandbox with fresh keys and short, test-friendly delays."""
    directory.mkdir(parents=True, exist_ok=True)
    options = [
        "--retry-schedule",
        ",".join(str(delay) for delay in retry_schedule),
        "--async-delay",
        str(async_delay),
        "--sweep-interval",
        str(sweep_interval),
        "--business-name",
        business_name,
    ]
    if allow_short_expiry:
        options.append("--allow-short-expiry")
    sandbox = RunningSandbox(
        directory=directory,
        secret_key=secret_key or "sk_test_" + secrets.token_hex(12),
        webhook_secret=webhook_secret or "whsec_" + secrets.token_hex(16),
        webhook_url=webhook_url,
        options=options,
    )
    return sandbox.start()


class WebhookReceiver:
    """A webhook endpoint on 127.0.0.1 for tests: records every POST, answers scripted statuses.

    ``url`` is its ``/payments/stripe/webhook/``; ``answers`` lists the statuses
    for the next POSTs (200 once it is empty); ``on_event(event)`` is called
    before answering, as a vendor's view acts on an event; ``wait_for(count)``
    returns the (body, lower-cased headers) received once there are ``count``.
    GETs answer a plain page headed "Shop page PATH", standing in for the
    shop's success and cancel pages in browser tests. Use it as a context manager.
    """

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.answers: list[int] = []
        self.on_event: Callable[[dict[str, Any]], None] | None = None
        self.arrived = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = f"{self.base_url}/payments/stripe/webhook/"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.on_event is not None:
                    receiver.on_event(json.loads(body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                with receiver.arrived:
                    headers = {key.lower(): value for key, value in self.headers.items()}
                    receiver.received.append((body, headers))
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                body = f"<!doctype html><title>Shop</title><h1>Shop page {self.path}</h1>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout: float = 15.0) -> list[tuple[bytes, dict[str, str]]]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} deliveries, wanted {count}")
            return list(self.received)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _ in self.received]
