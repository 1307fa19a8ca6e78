"""``pledge mailcatcher``: the demo's SMTP server that keeps every message it gets."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from pledge.mail.catcher import Catcher, start_server


class Command(BaseCommand):
    help = (
        "Listen for SMTP and store each message received as an .eml file, "
        "readable at /dev/mail/ in the demo."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.MAIL_CATCHER_HOST)
        parser.add_argument("--port", type=int, default=settings.MAIL_CATCHER_PORT)
        parser.add_argument("--dir", type=Path, default=settings.MAIL_CATCHER_DIR)

    def handle(self, *args: Any, host: str, port: int, dir: Path, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: stop.set())
        dir.mkdir(parents=True, exist_ok=True)
        # aiosmtpd logs every SMTP command; the catcher's own line per message is enough.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        controller = start_server(Catcher(dir), host=host, port=port)
        self.stdout.write(f"Mail catcher on {host}:{controller.port}, keeping mail in {dir}")
        try:
            while not stop.wait(1.0):
                pass
        finally:
            controller.stop()
        self.stdout.write("Mail catcher stopped")
