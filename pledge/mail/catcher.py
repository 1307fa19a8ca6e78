"""Local SMTP servers: the demo's mail catcher and the tests' sink.

Both are real SMTP servers (aiosmtpd, in a thread), so the worker speaks to them
exactly as it speaks to the vendor's relay. The catcher keeps every message as an
``.eml`` file for the demo's /dev/mail/ pages; the sink keeps them in memory for a
test, and can answer a scripted refusal (451, 550) to the next message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

logger = logging.getLogger(__name__)

# The name of a caught message: when it arrived, and a random tail for uniqueness.
NAME_RE = re.compile(r"[0-9]{8}T[0-9]{12}-[0-9a-f]{8}")


class LocalController(Controller):
    """aiosmtpd's threaded server; port 0 lets the system pick a free port.

    After ``start()``, ``port`` is the port it listens on.
    """

    def __init__(self, handler: Any, *, host: str, port: int, **smtp_options: Any):
        # A fixed server name: the default looks up the host's FQDN, which can be slow.
        super().__init__(
            handler, hostname=host, port=port, server_hostname="pledge.localhost", **smtp_options
        )

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def start_server(handler: Any, *, host: str, port: int, **smtp_options: Any) -> LocalController:
    """Start an SMTP server with ``handler`` in a thread; stop it with ``.stop()``.

    ``smtp_options`` go to aiosmtpd's SMTP class (``tls_context``, ``require_starttls``,
    ``authenticator``, ``auth_required``, …).
    """
    controller = LocalController(handler, host=host, port=port, **smtp_options)
    controller.start()
    return controller


def _parse(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=default_policy)


# The demo's catcher


class Catcher:
    """An aiosmtpd handler that stores each message as ``<name>.eml`` in a directory.

    The file starts with Return-Path and X-Envelope-To, as a delivering server
    adds them, so the envelope (the VERP return path) can be read too. It is
    written under a temporary name and renamed, so a reader never sees half a file.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"
        trace = (
            f"Return-Path: <{envelope.mail_from}>\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(trace + (envelope.original_content or envelope.content))
        os.replace(temporary, self.directory / f"{name}.eml")
        logger.info("caught %s.eml", name)
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class Caught:
    """One caught message, as the list page shows it."""

    name: str
    received_at: datetime
    to: str
    subject: str


class NotCaught(LookupError):
    """No caught message has this name."""


def caught_messages(directory: Path) -> list[Caught]:
    """The caught messages, newest first (their names sort by arrival)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    result = []
    for path in sorted(directory.glob("*.eml"), reverse=True):
        if not NAME_RE.fullmatch(path.stem):
            continue
        with path.open("rb") as fp:
            headers = BytesParser(policy=default_policy).parse(fp, headersonly=True)
        received = datetime.strptime(path.stem[:21], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
        result.append(Caught(path.stem, received, str(headers["To"]), str(headers["Subject"])))
    return result


def read_caught(directory: Path, name: str) -> EmailMessage:
    """The caught message called ``name``; NotCaught if there is none."""
    # The name must match exactly: it becomes a path, so nothing like "../" gets in.
    path = Path(directory) / f"{name}.eml"
    if not NAME_RE.fullmatch(name) or not path.is_file():
        raise NotCaught(name)
    return _parse(path.read_bytes())


# The tests' sink


@dataclass(frozen=True)
class Received:
    """One message as the sink received it: parsed, with its envelope and raw bytes."""

    message: EmailMessage
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class Sink:
    """An aiosmtpd handler that keeps what it receives, for tests.

    ``messages`` are the accepted messages; ``refused`` those whose DATA got a
    scripted refusal. ``answer_next(reply, at=...)`` makes the server answer the
    next RCPT or DATA with ``reply`` (e.g. "451 4.3.0 Try again later") instead
    of accepting; answers queue up in order.
    """

    messages: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)
    host: str = ""
    port: int = 0
    # Offer RFC 2920 pipelining in EHLO, as Postfix and Exim do; False for a server
    # that does not, to which the worker sends one command at a time.
    pipelining: bool = True
    _answers: deque[tuple[str, str]] = field(default_factory=deque)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        # aiosmtpd reads commands one after another, so it serves pipelined groups as
        # they come; it only does not say so.
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    def answer_next(self, reply: str, *, at: str = "DATA") -> None:
        if at not in ("RCPT", "DATA"):
            raise ValueError("at must be RCPT or DATA")
        self._answers.append((at, reply))

    def _scripted(self, stage: str) -> str | None:
        if self._answers and self._answers[0][0] == stage:
            return self._answers.popleft()[1]
        return None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = self._scripted("RCPT")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        received = Received(_parse(data), envelope.mail_from, list(envelope.rcpt_tos), data)
        reply = self._scripted("DATA")
        if reply is not None:
            self.refused.append(received)
            return reply
        self.messages.append(received)
        return "250 Message accepted for delivery"
