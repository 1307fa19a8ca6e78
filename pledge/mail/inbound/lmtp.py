"""The LMTP listener (``pledge mail serve``): the mail server delivers here, we store.

LMTP (RFC 2033) answers once per recipient after DATA; each answer is 250 only once the
message is stored, 451 (try again later) when the database cannot take it, so the mail
server keeps the message and retries. Processing follows the answer, in the same
process; what it does not finish the worker's periodic job does.

The database is used from one thread of its own: Django's ORM is synchronous, and one
writer at a time suits SQLite.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.conf import settings
from django.db import DatabaseError, connections

from .intake import MessageTooLarge, process, store
from .models import InboundMessage

logger = logging.getLogger("pledge.mail.inbound")


class StoringHandler:
    """aiosmtpd handler: store each delivery, answer per recipient."""

    def __init__(self) -> None:
        self.database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbound-db")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        recipients = list(envelope.rcpt_tos)
        loop = asyncio.get_running_loop()
        try:
            row, created = await loop.run_in_executor(
                self.database,
                _store,
                bytes(envelope.original_content),
                envelope.mail_from or "",
                recipients,
            )
        except MessageTooLarge as error:
            return _per_recipient(recipients, f"552 5.3.4 {error}")
        except DatabaseError as error:
            logger.warning("lmtp: database unavailable, answered 451: %s", error)
            return _per_recipient(recipients, "451 4.3.0 cannot store the message now; try again")
        except Exception:
            logger.exception("lmtp: storing failed, answered 451")
            return _per_recipient(recipients, "451 4.3.0 cannot store the message now; try again")
        if created:
            loop.run_in_executor(self.database, _process, row.pk)
        what = "stored" if created else "already stored"
        return _per_recipient(recipients, f"250 2.0.0 {what} as #{row.pk}")


def _per_recipient(recipients: list[str], reply: str) -> str:
    """One reply line per recipient, as LMTP wants after DATA (aiosmtpd sends it as is)."""
    return "\r\n".join(reply for _ in recipients)


def _store(raw: bytes, mail_from: str, recipients: list[str]) -> tuple[InboundMessage, bool]:
    try:
        return store(raw, mail_from=mail_from, recipients=recipients, via="lmtp")
    except DatabaseError:
        # A broken connection must not be reused: the next delivery connects afresh.
        connections.close_all()
        raise


def _process(pk: int) -> None:
    try:
        process(pk)
    except Exception:
        logger.exception("inbound #%s: stored, processing left to the worker", pk)
        connections.close_all()


class StoringLMTP(LMTP):
    # Malformed mail has lines far over RFC 5321's 1,000 octets; it is kept, not refused.
    line_length_limit = 1 << 20


class LMTPController(Controller):
    """aiosmtpd's threaded server speaking LMTP; port 0 picks a free port (see ``port``)."""

    def __init__(self, handler: StoringHandler, *, host: str, port: int):
        super().__init__(
            handler,
            hostname=host,
            port=port,
            server_hostname=settings.MAIL_DOMAIN,
            data_size_limit=settings.INBOUND_MAX_BYTES,
        )

    def factory(self) -> LMTP:
        return StoringLMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        # LMTP has no greeting to wait for in the base class's probe; read the real port.
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


def start(host: str, port: int) -> LMTPController:
    """Start the listener in a thread; stop it with ``.stop()``."""
    controller = LMTPController(StoringHandler(), host=host, port=port)
    controller.start()
    return controller
