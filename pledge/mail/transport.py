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

import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import dkim
from django.conf import settings

# CRLF line ends, and never raw 8-bit bodies: a UTF-8 part is sent quoted-printable
# or base64, so any relay takes it whether or not it offers 8BITMIME.
WIRE_POLICY = SMTP.clone(cte_type="7bit")

ACCEPTED, TEMPORARY, PERMANENT = "accepted", "temporary", "permanent"

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
    list's headers. Python's folding would turn a long List-Unsubscribe into
    encoded words that no mail program reads as a URL, so the list headers are
    written into the header block as they are, folded by hand.
    """
    if not row.to_address.isascii():
        raise ValueError("the address is not ASCII, which needs SMTPUTF8; Pledge does not send it")
    message = EmailMessage(policy=WIRE_POLICY)
    sender = row.from_address or settings.MAIL_FROM_ADDRESS
    message["From"] = Address(display_name=site_name, addr_spec=sender)
    message["To"] = Address(display_name=row.to_name, addr_spec=row.to_address)
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    # A reply in a conversation (C11): the customer's mail program threads it.
    if row.in_reply_to:
        message["In-Reply-To"] = row.in_reply_to
    if row.references:
        message["References"] = row.references
    # RFC 3834: vacation responders and challenge-response filters stay quiet;
    # "auto-replied" for an automatic answer to a mail received, "no" for a person's.
    message["Auto-Submitted"] = row.auto_submitted or AUTO_GENERATED
    message.set_content(row.body_text, charset="utf-8")
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html", charset="utf-8")
        # The MIME boundary would be random at each build: fixed from the token, a
        # resend is the same bytes. "==" never occurs in a quoted-printable or base64 part.
        message.set_boundary(f"==pledge-{row.token}==")
    data = message.as_bytes()
    names = list(message.keys())
    if mailing_list is not None:
        head, blank, body = data.partition(b"\r\n\r\n")
        extra = mailing_list.headers()
        lines = "".join(f"\r\n{name}: {value}" for name, value in extra)
        data = head + lines.encode("ascii") + blank + body
        names += [name for name, _ in extra]
    return Envelope(
        mail_from=return_path(row.token), rcpt_to=row.to_address, data=dkim_sign(data, names)
    )


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

    def send(self, envelope: Envelope) -> Reply:
        """Send one message; raise SMTPUnavailable only if no session can be opened."""
        if self._smtp is None:
            self._smtp = self._open()
        try:
            return self._transaction(self._smtp, envelope)
        except OSError as exc:
            # The session broke mid-message. Whether the server kept the message is
            # unknown, so it is tried again later with the same Message-ID.
            self._drop()
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
            self._drop()
        elif reply.outcome != ACCEPTED:
            try:
                smtp.rset()
            except OSError:
                # The answer stands; the next message opens a new session.
                self._drop()
        return reply

    def _drop(self) -> None:
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
            self._drop()
