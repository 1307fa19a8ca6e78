"""Reading a customer's mail: who wrote, what it says, whether a machine sent it.

Mail from outside is whatever its sender made it: nothing here raises on a bad
charset, a missing header or a broken part; the worst case is an empty text.
"""

from __future__ import annotations

import html
import re
from email.message import EmailMessage, Message
from email.utils import getaddresses

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.html import strip_tags

from pledge.policy.loaded import configured_declaration


def without_nul(text: str) -> str:
    """``text`` without NUL characters, as support stores it.

    Mail carries NULs (broken mail programs, spam); PostgreSQL refuses them in
    text columns, so a mail keeping one would never become a ticket there. Every
    text support reads from a mail comes through here; the inbound row keeps the
    raw bytes as they arrived.
    """
    return text.replace("\x00", "")


def header(message: Message, name: str) -> str:
    """A header as text, without NULs; "" when missing or unreadable."""
    try:
        value = message.get(name)
    except (ValueError, IndexError, LookupError):
        return ""
    return " ".join(without_nul(str(value)).split()) if value is not None else ""


def sender(message: Message) -> tuple[str, str]:
    """(display name, address) of From, the address lower-cased; ("", "") if none."""
    pairs = getaddresses([header(message, "From")])
    for name, address in pairs:
        if "@" in address:
            return name.strip(), address.strip().lower()
    return "", ""


def is_valid_address(address: str) -> bool:
    """An address we can answer: a plain ASCII addr-spec (we send no SMTPUTF8)."""
    if not address or not address.isascii():
        return False
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def support_address() -> str:
    """The support mailbox the declaration publishes (C11, C23)."""
    address: str = configured_declaration().data["organisation"]["support_email"]
    return address


def _decoded(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
    except (LookupError, UnicodeError, ValueError, AssertionError):
        content = None
    if isinstance(content, str):
        return content
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, "replace")
        except LookupError:
            return payload.decode("utf-8", "replace")
    return ""


def html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", markup)
    text = html.unescape(strip_tags(markup))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def body_text(message: Message) -> str:
    """The mail's text, without NULs: its plain part, else its HTML part as text, else ""."""
    part: Message | None
    try:
        part = (
            message.get_body(preferencelist=("plain", "html"))
            if isinstance(message, EmailMessage)
            else message
        )
    except (KeyError, ValueError, IndexError):
        part = None
    if part is None:
        return ""
    text = without_nul(_decoded(part))
    if part.get_content_type() == "text/html":
        return html_to_text(text)
    return text.replace("\r\n", "\n")


MACHINE_LOCAL_PARTS = re.compile(
    r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)(?:[+.-].*)?$",
    re.IGNORECASE,
)
BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}


def automatic(message: Message, *, envelope_sender: str | None = None) -> str:
    """Why this mail must get no automatic answer (RFC 3834 section 2), or "" if none.

    The inbound classifier sends auto-replies, challenges, bounces and lists away
    before they reach support; this looks again at the headers, because an
    acknowledgement sent to a machine is how two responders start a loop (C10).
    """
    auto_submitted = header(message, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    precedence = header(message, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe", "List-Post"):
        if header(message, name):
            return f"a mailing list's mail ({name})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if header(message, name):
            return f"an auto-reply ({name})"
    suppress = header(message, "X-Auto-Response-Suppress").lower()
    if any(word in suppress for word in ("all", "oof", "autoreply")):
        return f"X-Auto-Response-Suppress: {suppress}"
    if envelope_sender is not None and envelope_sender.strip("<> ") == "":
        return "a null return path (<>)"
    _, address = sender(message)
    local, _, domain = address.partition("@")
    if MACHINE_LOCAL_PARTS.match(local):
        return f"a machine's mailbox ({local}@)"
    if address == support_address().lower() or domain == settings.MAIL_DOMAIN.lower():
        return "our own mail"
    return ""
