"""Run the sandbox: a threaded HTTP server plus the delivery and timer threads.

Threads, not processes: a browser on the card page, the vendor's API calls and
webhook deliveries (which call back into the vendor, which may call the API)
must all proceed at once. SIGTERM or Ctrl-C stops the server, then the threads.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sandbox_processor import checkout, delivery
from sandbox_processor import config as configuration
from sandbox_processor.app import Application
from sandbox_processor.processor import Processor

log = logging.getLogger("sandbox_processor")


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    """One access-log line per request: method, path, status. Never a body."""

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def run_timers(sandbox: Processor, stop: threading.Event) -> None:
    """Expiry sweep every ``sweep_interval``; asynchronous settlements when due."""
    interval = sandbox.config.sweep_interval
    last_sweep = 0.0
    while not stop.is_set():
        try:
            checkout.settle_due(sandbox)
            if sandbox.now_precise() - last_sweep >= interval:
                last_sweep = sandbox.now_precise()
                checkout.sweep_expired(sandbox)
        except Exception:
            log.exception("timer round failed")
        stop.wait(min(0.25, interval))


def serve(config: configuration.Config) -> None:
    server = make_server(config.host, config.port, lambda e, s: [], ThreadingServer, QuietHandler)
    port = server.server_address[1]
    config = replace(config, port=port)
    sandbox = Processor(config)
    server.set_app(Application(sandbox))
    stop = threading.Event()
    workers = [
        threading.Thread(target=delivery.run_deliveries, args=(sandbox, stop), name="delivery"),
        threading.Thread(target=run_timers, args=(sandbox, stop), name="timers"),
    ]
    for worker in workers:
        worker.start()

    def shutdown(*_: Any) -> None:
        stop.set()
        sandbox.delivery_wakeup.set()
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    # The ready line: tests and the demo read the address from it.
    print(f"sandbox-processor listening on http://{config.host}:{port}", flush=True)
    print(f"  dashboard {config.base_url}/dashboard/", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        sandbox.delivery_wakeup.set()
        for worker in workers:
            worker.join(timeout=15)
        server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s sandbox %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        config = configuration.load(argv)
    except configuration.ConfigError as error:
        print(f"sandbox-processor: {error}", file=sys.stderr)
        return 2
    serve(config)
    return 0
