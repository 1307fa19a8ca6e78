"""``pledge mail receive`` (a pipe from the mail server) and ``pledge mail serve`` (LMTP).

Both store each message exactly as received before anything else, then process it; see
``pledge.mail.inbound.intake`` and ``docs/inbound.md`` for the mail server's side.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from pledge.mail.inbound.intake import MessageTooLarge, receive

logger = logging.getLogger("pledge.mail.inbound")

# sysexits.h: the mail server retries on 75 and returns the message to its sender on 69.
EX_OK, EX_UNAVAILABLE, EX_TEMPFAIL = 0, 69, 75


class Command(BaseCommand):
    help = "Take mail in: 'receive' reads one message on stdin; 'serve' listens for LMTP."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        receive_parser = actions.add_parser(
            "receive",
            help="store one message read on stdin; exit 0 when stored, 75 to be retried",
        )
        receive_parser.add_argument("--sender", default="", help="envelope sender (${sender})")
        receive_parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="envelope recipient (${recipient}); repeat for several",
        )
        serve_parser = actions.add_parser("serve", help="an LMTP listener that stores each message")
        serve_parser.add_argument("--host", default=None, help="default PLEDGE_INBOUND_LMTP_HOST")
        serve_parser.add_argument(
            "--port", type=int, default=None, help="default PLEDGE_INBOUND_LMTP_PORT"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "receive":
            sys.exit(self.receive(options["sender"], options["recipient"]))
        self.serve(options["host"], options["port"])

    def receive(self, sender: str, recipients: list[str]) -> int:
        raw = sys.stdin.buffer.read()
        try:
            row, created = receive(raw, mail_from=sender, recipients=recipients, via="pipe")
        except MessageTooLarge as error:
            self.stderr.write(f"pledge mail receive: {error}")
            return EX_UNAVAILABLE
        except DatabaseError as error:
            self.stderr.write(f"pledge mail receive: database unavailable, try again: {error}")
            return EX_TEMPFAIL
        except Exception as error:  # anything else: keep the mail at the mail server
            logger.exception("pledge mail receive: not stored")
            self.stderr.write(f"pledge mail receive: not stored, try again: {error}")
            return EX_TEMPFAIL
        self.stdout.write(f"{'stored' if created else 'already stored'} as #{row.pk}")
        return EX_OK

    def serve(self, host: str | None, port: int | None) -> None:
        from pledge.mail.inbound import lmtp

        controller = lmtp.start(
            host or settings.INBOUND_LMTP_HOST,
            settings.INBOUND_LMTP_PORT if port is None else port,
        )
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda signum, frame: stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        self.stdout.write(f"LMTP listening on {controller.hostname}:{controller.port}")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
