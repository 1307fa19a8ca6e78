"""The one door to SMTP: the wire form of an outbox row, and a session to send it.

Nothing else in Pledge imports ``smtplib`` (ruff TID251 keeps it so). The module
knows nothing of the gate or the outbox's states: ``build`` turns a row into bytes
and an envelope, ``Connection.send`` answers what the server said, as accepted,
temporary (4xx, a dropped connection: try again later) or permanent (5xx).

Each message has one recipient, so the answer for the message is the answer for
its recipient.

A message to a mailing list carries RFC 2369/8058 one-click unsubscribe headers
and an RFC 2919 List-Id (``MailingList``); with ``PLEDGE_DKIM_SELECTOR`` and
``PLEDGE_DKIM_PRIVATE_KEY_FILE`` set, every message is DKIM-signed, the list
headers included, so no relay can strip or change the way out unnoticed.
"""

from __future__ import annotations

import binascii
import re
import smtplib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from functools import cache, lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import dkim
from django.conf import settings

ACCEPTED, TEMPORARY, PERMANENT = "accepted", "temporary", "permanent"
# The message never left: its session broke before its content was written. It can
# be handed back to the queue as if never tried.
NOT_TRIED = "not tried"
# The caller gave no envelope for the message (None: it could not be built): not sent.
NOT_BUILT = "not built"

# RFC 3834's Auto-Submitted values: a mail the system wrote of itself, an automatic
# answer to a mail received (a support acknowledgement), a mail a person wrote.
AUTO_GENERATED, AUTO_REPLIED, NOT_AUTOMATIC = "auto-generated", "auto-replied", "no"


@dataclass(frozen=True)
class Envelope:
    """What goes over the wire: the return path, the recipient and the message bytes."""

    mail_from: str
    rcpt_to: str
    data: bytes


@dataclass(frozen=True)
class Reply:
    """The server's answer to one message."""

    outcome: str
    code: int
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip() if self.code else self.text


class SMTPUnavailable(ConnectionError):
    """The server could not be reached, or refused the session: no message was tried."""


def return_path(token: str) -> str:
    """The VERP envelope sender: a bounce to it names the message that bounced."""
    return f"bounces+{token}@{settings.MAIL_DOMAIN}"


def unsubscribe_address(message_token: str) -> str:
    """The mailbox that unsubscribes: ``unsubscribe+TOKEN@MAIL_DOMAIN`` (RFC 2369).

    TOKEN is the message's own random token (32 hex digits), so the local part stays
    within RFC 5321's 64 characters; mail coming in to it finds the message, whose
    row names the person, the list and its scope.
    """
    return f"unsubscribe+{message_token}@{settings.MAIL_DOMAIN}"


def unsubscribe_token_of(local_part: str) -> str:
    """The message token in the local part of an ``unsubscribe_address``."""
    return local_part.removeprefix("unsubscribe+")


@dataclass(frozen=True)
class MailingList:
    """The list a message is sent to, for its List-* headers.

    ``key`` and ``scope`` (a product's SKU) name the list in List-Id (RFC 2919);
    ``unsubscribe_url`` answers the one-click POST (RFC 8058) and ``message_token``
    names the message in the mailto address (RFC 2369).
    """

    key: str
    label: str
    scope: str
    message_token: str
    unsubscribe_url: str

    @property
    def list_id(self) -> str:
        parts = [self.scope, self.key, settings.MAIL_DOMAIN]
        return ".".join(part for part in parts if part)

    def headers(self) -> list[tuple[str, str]]:
        if self.label.isascii():
            label = '"' + self.label.replace("\\", "\\\\").replace('"', '\\"') + '"'
        else:
            label = Header(self.label, "utf-8").encode()
        mailto = "mailto:" + quote(unsubscribe_address(self.message_token), safe="@+")
        return [
            # Folded between the two ways out: each line stays far below 998 octets.
            ("List-Unsubscribe", f"<{self.unsubscribe_url}>,\r\n <{mailto}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("List-Id", f"{label} <{self.list_id}>"),
        ]


# The headers a DKIM signature covers, where present: what a reader sees and the
# way out of a list, which a relay must not be able to change or remove.
DKIM_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Auto-Submitted",
    "In-Reply-To",
    "References",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


@cache
def _dkim_key(path: str) -> bytes:
    return Path(path).read_bytes()


def dkim_sign(data: bytes, header_names: list[str]) -> bytes:
    """``data`` with a DKIM-Signature in front, if DKIM is configured; else ``data``."""
    if not (settings.DKIM_SELECTOR and settings.DKIM_PRIVATE_KEY_FILE):
        return data
    signed = [name for name in DKIM_HEADERS if name in header_names]
    signature: bytes = dkim.sign(
        data,
        settings.DKIM_SELECTOR.encode(),
        settings.MAIL_DOMAIN.encode(),
        _dkim_key(settings.DKIM_PRIVATE_KEY_FILE),
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=[name.encode() for name in signed],
    )
    return signature + data


def build(row: Any, *, site_name: str, mailing_list: MailingList | None = None) -> Envelope:
    """The wire form of an outbox row.

    The same row always gives the same bytes (Date is the time the message was
    written, Message-ID and the MIME boundary were fixed then), so a resend after a
    crash is the same message and the recipient's mail program can tell (only a
    DKIM signature is made anew at each send, with its time). ``mailing_list`` adds the
    list's headers, written as they are and folded by hand: Python's folding would
    turn a long List-Unsubscribe into encoded words that no mail program reads as a URL.

    Written directly as bytes, not through ``email.message.EmailMessage``: building
    one of those costs over a millisecond, which capped the worker near 500 messages
    a second a core (DESIGN.md, "Measured on these machines"); this costs tens of
    microseconds. The result is plain RFC 5322/2045 MIME that the ``email`` package
    reads back as it would its own (``test_wire_form.py``).
    """
    if not row.to_address.isascii():
        raise ValueError("the address is not ASCII, which needs SMTPUTF8; Pledge does not send it")
    headers = [
        ("From", _sender(site_name, row.from_address or settings.MAIL_FROM_ADDRESS)),
        ("To", _address_header(row.to_name, row.to_address)),
        ("Subject", _text_header("Subject", row.subject)),
        ("Date", _date(row.created_at)),
        ("Message-ID", row.message_id),
    ]
    # A reply in a conversation (C11): the customer's mail program threads it.
    for name, ids in (("In-Reply-To", row.in_reply_to), ("References", row.references)):
        if _message_ids(ids or ""):
            headers.append((name, _message_ids(ids)))
    headers += [
        # RFC 3834: vacation responders and challenge-response filters stay quiet;
        # "auto-replied" for an automatic answer to a mail received, "no" for a person's.
        ("Auto-Submitted", row.auto_submitted or AUTO_GENERATED),
        ("MIME-Version", "1.0"),
    ]
    if row.body_html:
        # The boundary is fixed from the token, so a resend is the same bytes. It
        # holds "=", which an encoded part never carries bare (``_part``).
        boundary = f"==pledge-{row.token}=="
        headers.append(("Content-Type", f'multipart/alternative;\r\n boundary="{boundary}"'))
        delimiter = b"--" + boundary.encode()
        body = b"".join(
            [
                delimiter + b"\r\n",
                _with_headers(*_part("plain", row.body_text)),
                b"\r\n" + delimiter + b"\r\n",
                _with_headers(*_part("html", row.body_html)),
                b"\r\n" + delimiter + b"--\r\n",
            ]
        )
    else:
        part_headers, body = _part("plain", row.body_text)
        headers += part_headers
    if mailing_list is not None:
        headers += mailing_list.headers()
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    data = head + b"\r\n" + body
    names = [name for name, _ in headers]
    return Envelope(
        mail_from=return_path(row.token), rcpt_to=row.to_address, data=dkim_sign(data, names)
    )


@cache
def _message_ids(value: str) -> str:
    """In-Reply-To or References: the ASCII message ids, one per folded line (RFC 5322).

    They come from the customer's mail program: an id with other characters cannot
    be written in a header and is left out rather than fail the reply.
    """
    return "\r\n ".join(part for part in value.split() if part.isascii())


@lru_cache(maxsize=64)
def _date(at: datetime) -> str:
    """The Date header: a campaign's rows share the time they were written."""
    return format_datetime(at)


@lru_cache(maxsize=64)
def _sender(name: str, address: str) -> str:
    """The From header: a few senders for all the mail."""
    return _address_header(name, address)


def _address_header(name: str, address: str) -> str:
    """``"Name" <address>``, the name quoted or RFC 2047-encoded as it needs."""
    name = " ".join(name.split())  # no line break can end the header early
    return formataddr((name, address), charset="utf-8")


def _text_header(header_name: str, value: str) -> str:
    """An unstructured header: as it is if short plain ASCII, else folded and encoded."""
    value = " ".join(value.split())
    if value.isascii() and "=?" not in value and len(header_name) + len(value) < 76:
        return value
    charset = "us-ascii" if value.isascii() and "=?" not in value else "utf-8"
    return Header(value, charset, header_name=header_name).encode(linesep="\r\n")


def _part(subtype: str, text: str) -> tuple[list[tuple[str, str]], bytes]:
    """One text part: its headers, and its body with CRLF line ends.

    7bit when the text is short-lined ASCII without "=" (so no MIME boundary can
    occur in it), else quoted-printable (``binascii``, in C): never raw 8-bit, so
    any relay takes it whether or not it offers 8BITMIME.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    if text.isascii() and "=" not in text and max(map(len, text.split("\n"))) <= 76:
        encoding, body = "7bit", text.encode("ascii")
    else:
        encoding = "quoted-printable"
        body = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    headers = [
        ("Content-Type", f'text/{subtype}; charset="utf-8"'),
        ("Content-Transfer-Encoding", encoding),
    ]
    return headers, body.replace(b"\n", b"\r\n")


def _with_headers(headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("ascii") + b"\r\n" + body


def _classify(code: int, text: bytes | str) -> Reply:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(text.split())
    if 200 <= code < 300:
        return Reply(ACCEPTED, code, text)
    if 500 <= code < 600:
        return Reply(PERMANENT, code, text)
    return Reply(TEMPORARY, code, text)


class Connection:
    """One SMTP session, reused for a batch: opened on the first send, reopened after a drop.

    Use it as a context manager so the session ends with QUIT.
    """

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None
        self.pipelining = False
        # A pipelined transaction failed half-way: the next one begins with RSET,
        # even in the next batch (the worker keeps its sessions from pass to pass).
        self.needs_reset = False

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _open(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP | None = None
        try:
            smtp = smtplib.SMTP(
                settings.SMTP_HOST,
                settings.SMTP_PORT,
                local_hostname=settings.SMTP_HELO_NAME,
                timeout=settings.SMTP_TIMEOUT,
            )
            smtp.ehlo()
            if settings.SMTP_STARTTLS:
                smtp.starttls(
                    context=ssl.create_default_context(cafile=settings.SMTP_CA_FILE or None)
                )
                smtp.ehlo()
            if settings.SMTP_USER:
                smtp.login(settings.SMTP_USER, settings.SMTP_PASSWORD)
        except OSError as exc:  # smtplib.SMTPException is an OSError
            if smtp is not None:
                smtp.close()
            where = f"{settings.SMTP_HOST}:{settings.SMTP_PORT}"
            raise SMTPUnavailable(f"cannot open an SMTP session with {where}: {exc}") from exc
        return smtp

    def ensure_open(self) -> smtplib.SMTP:
        """The session, opened if it is not; SMTPUnavailable if it cannot be."""
        if self._smtp is None:
            self._smtp = self._open()
            # RFC 2920: commands may be sent in groups only if the server says so.
            self.pipelining = bool(self._smtp.has_extn("pipelining"))
        return self._smtp

    def send(self, envelope: Envelope) -> Reply:
        """Send one message; raise SMTPUnavailable only if no session can be opened."""
        smtp = self.ensure_open()
        try:
            return self._transaction(smtp, envelope)
        except OSError as exc:
            # The session broke mid-message. Whether the server kept the message is
            # unknown, so it is tried again later with the same Message-ID.
            self.drop()
            return Reply(TEMPORARY, 0, f"connection lost: {exc}")

    def _transaction(self, smtp: smtplib.SMTP, envelope: Envelope) -> Reply:
        text: bytes | str  # a refused DATA's text may be either
        code, text = smtp.mail(envelope.mail_from)
        if code == 250:
            code, text = smtp.rcpt(envelope.rcpt_to)
            if code in (250, 251):
                try:
                    code, text = smtp.data(envelope.data)
                except smtplib.SMTPDataError as exc:  # DATA itself refused
                    code, text = exc.smtp_code, exc.smtp_error
        reply = _classify(code, text)
        if code == 421:
            # The server is closing the session; the next message opens a new one.
            self.drop()
        elif reply.outcome != ACCEPTED:
            try:
                smtp.rset()
            except OSError:
                # The answer stands; the next message opens a new session.
                self.drop()
        return reply

    def drop(self) -> None:
        self.needs_reset = False  # a new session starts clean
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        """End the session politely if one is open."""
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except OSError:
            pass
        finally:
            self.drop()


_EOL = re.compile(rb"\r\n|\n|\r(?!\n)")


def _content(data: bytes) -> bytes:
    """The message as DATA carries it: CRLF line ends, dot-stuffed, ended by "." (RFC 5321)."""
    lines = data.count(b"\r\n")
    if data.count(b"\n") != lines or data.count(b"\r") != lines:  # not CRLF throughout
        data = _EOL.sub(b"\r\n", data)
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class _Pipeline:
    """One session's share of a batch, sent with RFC 2920 pipelining.

    Each write is one group: the content of the message whose DATA was answered
    354, then MAIL, RCPT and DATA of the next (DATA ends a group; content may open
    one). So a message costs one round trip instead of four. Replies come back in
    the order of the commands and are read after the group is written. The share is
    the positions ``indexes`` of ``envelopes``, each read when its turn comes (a
    sequence may build them then); one that is None is not sent (NOT_BUILT).
    """

    def __init__(
        self, connection: Connection, envelopes: Sequence[Envelope | None], indexes: list[int]
    ):
        self.connection = connection
        self.envelopes = envelopes
        self.indexes = indexes
        self.next = 0
        self.pending: tuple[int, Envelope] | None = None  # DATA answered 354
        self.expect: list[tuple[str, int]] = []
        self.replies: dict[int, Reply] = {}
        self.broken = False

    @property
    def active(self) -> bool:
        return not self.broken and (self.pending is not None or self.next < len(self.indexes))

    def prepare(self) -> None:
        """Read the next envelope now, while the server works on what was written."""
        if not self.broken and self.next < len(self.indexes):
            self.envelopes[self.indexes[self.next]]

    def write(self) -> None:
        smtp = self.connection.ensure_open()
        out: list[bytes] = []
        self.expect = []
        if self.pending is not None:
            out.append(_content(self.pending[1].data))
            self.expect.append(("end", self.pending[0]))
        while self.next < len(self.indexes):
            index = self.indexes[self.next]
            envelope = self.envelopes[index]
            self.next += 1
            if envelope is None:
                self.replies[index] = Reply(NOT_BUILT, 0, "not built")
                continue
            if self.connection.needs_reset:
                out.append(b"RSET\r\n")
                self.expect.append(("rset", -1))
                self.connection.needs_reset = False
            out.append(
                f"MAIL FROM:<{envelope.mail_from}>\r\n"
                f"RCPT TO:<{envelope.rcpt_to}>\r\nDATA\r\n".encode("ascii")
            )
            self.expect += [("mail", index), ("rcpt", index), ("data", index)]
            break
        if not out:
            return
        try:
            smtp.send(b"".join(out))
        except OSError as exc:
            self._break(f"connection lost: {exc}")

    def read(self) -> None:
        if self.broken:
            return
        smtp = self.connection.ensure_open()
        envelope_replies: list[tuple[int, bytes]] = []
        for step, index in self.expect:
            try:
                code, text = smtp.getreply()
            except OSError as exc:
                self._break(f"connection lost: {exc}")
                return
            if step == "end":
                self.replies[index] = _classify(code, text)
                self.pending = None
            elif step != "rset":
                envelope_replies.append((code, text))
            if code == 421:
                # The server is closing the session: what it has not answered was not tried.
                if step in ("mail", "rcpt", "data"):
                    self.replies[index] = _classify(code, text)
                self._break("the server closed the session (421)")
                return
        if envelope_replies:
            self._envelope_answered(self.expect[-1][1], envelope_replies)

    def _envelope_answered(self, index: int, replies: list[tuple[int, bytes]]) -> None:
        (mail, mail_text), (rcpt, rcpt_text), (data, data_text) = replies
        if mail == 250 and rcpt in (250, 251) and data == 354:
            envelope = self.envelopes[index]
            assert envelope is not None  # only a built envelope's DATA is answered
            self.pending = (index, envelope)
            return
        if mail != 250:
            self.replies[index] = _classify(mail, mail_text)
        elif rcpt not in (250, 251):
            self.replies[index] = _classify(rcpt, rcpt_text)
        else:
            self.replies[index] = _classify(data, data_text)
        if data == 354:
            # A server that takes DATA without a recipient now waits for content:
            # end the session rather than guess.
            self._break("the server took DATA without a recipient")
            return
        self.connection.needs_reset = True

    def _break(self, why: str) -> None:
        """The session is gone: a message whose content went out may have arrived."""
        if self.pending is not None and self.pending[0] not in self.replies:
            self.replies[self.pending[0]] = Reply(TEMPORARY, 0, why)
        self.pending = None
        self.broken = True
        self.connection.drop()


class Pool:
    """A few SMTP sessions to the relay, driven in turn from one thread.

    ``send_many`` deals the messages out to the sessions and pipelines each
    (``_Pipeline``), writing a group to every session before reading any answer,
    so the sessions' round trips overlap. Without PIPELINING in the server's EHLO
    answer, the messages go one by one over the first session, as ``smtplib``
    sends them. Use it as a context manager so the sessions end with QUIT.
    """

    # A session idle longer than this is ended and opened anew before use: servers
    # drop idle sessions (Postfix after 300 s), and a write into a dropped session
    # would only come back as messages not tried.
    IDLE_SECONDS = 30.0

    def __init__(self, size: int = 1) -> None:
        self.connections = [Connection() for _ in range(max(size, 1))]
        self._used = 0.0

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End every open session with QUIT."""
        for connection in self.connections:
            connection.close()

    def open(self, wanted: int | None = None) -> list[Connection]:
        """Up to ``wanted`` sessions (all by default), opened if they are not.

        SMTPUnavailable if not even one can be opened.
        """
        now = time.monotonic()
        if now - self._used > self.IDLE_SECONDS:
            self.close()
        self._used = now
        first, *others = self.connections[: max(wanted or len(self.connections), 1)]
        first.ensure_open()
        opened = [first]
        for connection in others:
            try:
                connection.ensure_open()
            except SMTPUnavailable:
                continue  # fewer sessions this time; the next batch tries again
            opened.append(connection)
        return opened

    def send_many(self, envelopes: Sequence[Envelope | None]) -> list[Reply]:
        """Send the messages; one reply each, in order.

        A reply is NOT_TRIED when the message's session broke before its content
        was written, NOT_BUILT for a None in ``envelopes``. Each envelope is read
        when its turn comes, the next ones while the server answers (a sequence
        may build them then). Raises SMTPUnavailable, having sent nothing, if no
        session opens.
        """
        if not envelopes:
            return []
        opened = self.open(len(envelopes))
        not_tried = Reply(NOT_TRIED, 0, "not tried: the session broke first")
        if not all(connection.pipelining for connection in opened):
            replies = []
            for envelope in envelopes:
                if envelope is None:
                    replies.append(Reply(NOT_BUILT, 0, "not built"))
                    continue
                try:
                    replies.append(opened[0].send(envelope))
                except SMTPUnavailable:  # dropped, and cannot be opened again
                    break
            return replies + [not_tried] * (len(envelopes) - len(replies))
        pipes = [
            _Pipeline(connection, envelopes, list(range(n, len(envelopes), len(opened))))
            for n, connection in enumerate(opened)
        ]
        while active := [pipe for pipe in pipes if pipe.active]:
            for pipe in active:
                pipe.write()
            for pipe in active:
                pipe.prepare()
            for pipe in active:
                pipe.read()
        answered: dict[int, Reply] = {}
        for pipe in pipes:
            answered |= pipe.replies
        return [answered.get(index, not_tried) for index in range(len(envelopes))]
