"""Files that come with support mail: listed always, kept only within the limits.

The bytes go to ``PLEDGE_SUPPORT_ATTACHMENT_DIR`` through Django's storage, never
into a database row; a file over the size limit or of a type not allowed is listed
as refused, with why, and the mail lands all the same.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from email.message import Message

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from .models import Attachment, TicketMessage, attachment_storage
from .reading import without_nul

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _parts(message: Message, body: Message | None) -> list[Message]:
    """The parts that are files: named, or marked attachment, and not the text we read."""
    found = []
    for part in message.walk():
        if part is body or part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        if disposition == "attachment" or part.get_filename():
            found.append(part)
    return found


def refusal(content_type: str, size: int) -> str:
    """Why a file is not kept, or "" to keep it."""
    if size > settings.SUPPORT_ATTACHMENT_MAX_BYTES:
        return f"larger than {settings.SUPPORT_ATTACHMENT_MAX_BYTES} bytes"
    if content_type not in settings.SUPPORT_ATTACHMENT_TYPES:
        return f"type {content_type} is not accepted"
    return ""


def stored_name(ticket_reference: str, filename: str) -> str:
    safe = SAFE_NAME.sub("_", filename).strip("._")[:80] or "attachment"
    return f"{ticket_reference}/{secrets.token_hex(8)}-{safe}"


def keep_attachments(
    message: Message,
    body: Message | None,
    into: TicketMessage,
    *,
    kept: list[Attachment] | None = None,
) -> list[Attachment]:
    """List every file of ``message`` on ``into``; store those within the limits.

    Each row is appended to ``kept`` as soon as its file is written, so that the
    caller can delete the files if its transaction fails.
    """
    kept = [] if kept is None else kept
    for part in _parts(message, body):
        try:
            filename = str(part.get_filename() or "")
        except (ValueError, LookupError):
            filename = ""
        filename = " ".join(without_nul(filename).split())[:255] or "unnamed"
        content_type = without_nul(part.get_content_type())[:127]
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = part.as_bytes() if part.get_content_type() == "message/rfc822" else b""
        attachment = Attachment(
            message=into,
            filename=filename,
            content_type=content_type,
            size=len(payload),
            refused=refusal(content_type, len(payload)),
        )
        if not attachment.refused:
            attachment.file.save(
                stored_name(into.ticket.reference, filename), ContentFile(payload), save=False
            )
        kept.append(attachment)
        attachment.save()
    return kept


def sweep_unlinked_files(older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete stored files no attachment row names: left by a transaction rolled back.

    Only files older than ``older_than``, so a mail being taken in right now keeps
    the file it has just written.
    """
    storage = attachment_storage()
    linked = set(Attachment.objects.exclude(file="").values_list("file", flat=True))
    cutoff = timezone.now() - older_than
    removed = 0
    directories, _ = storage.listdir("") if storage.exists("") else ([], [])
    for directory in directories:
        _, names = storage.listdir(directory)
        for name in names:
            path = f"{directory}/{name}"
            if path not in linked and storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                removed += 1
    return removed
