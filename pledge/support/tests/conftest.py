"""Mail to support, as customers' mail programs write it."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest

SUPPORT = "support@claxton.com"


def customer_mail(
    *,
    sender: str = "Ada Lovelace <ada@example.com>",
    subject: str = "ContactGenie will not start",
    text: str = "Hello,\nContactGenie stops at the splash screen.\nAda\n",
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.example.com")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


@pytest.fixture
def mail() -> Callable[..., EmailMessage]:
    return customer_mail


@pytest.fixture
def attachment_dir(support_attachment_dir: Any) -> Any:
    return support_attachment_dir


@pytest.fixture
def lmtp_listener(policy: Any) -> Any:
    """``pledge mail serve``'s LMTP listener on a free port, stopped after the test."""
    from pledge.mail.inbound.lmtp import start

    listener = start("127.0.0.1", 0)
    yield listener
    stop(listener)


def settled(listener: Any) -> None:
    """Wait until the LMTP listener has stored and processed every mail it answered.

    It does both in one database thread, in order, right after its 250: a no-op queued
    behind them returns when they are done. Reading the database before would race the
    listener's writes.
    """
    listener.handler.database.submit(lambda: None).result(timeout=60)


def stop(listener: Any) -> None:
    """Stop the listener after closing its thread's database connection.

    Left open, it keeps PostgreSQL from dropping the test database at the end.
    """
    from django.db import connections

    listener.handler.database.submit(connections.close_all).result(timeout=60)
    listener.stop()
