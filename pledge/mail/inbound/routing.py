"""What is done with each stored message, by what it is and whom it was sent to.

* a bounce names a message we sent (by its VERP token, else by the returned message's
  Message-ID): it stops or counts mail to that address (``bounces``); a bounce of a
  message we never sent changes nothing;
* an auto-reply or a challenge-response is recorded and never answered, never counted;
* a complaint (RFC 5965) opts the person out of the list the reported message came from;
* mail to ``unsubscribe+TOKEN@`` opts out of the list of the message TOKEN names, through
  the same code as the one-click link (``lists.unsubscribe``), and names the message;
  either opt-out marks that message (``unsubscribed_at``), so its campaign's report
  counts it;
* mail to the privacy address, or that reads as a request about one's data, opens a
  ``DataRequest`` for the privacy officer;
* any other mail from a person goes to the support app (``SUPPORT_HANDLER``); until that
  exists the row says so and keeps the mail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.module_loading import import_string

from pledge.mail.lists import unsubscribe
from pledge.mail.models import OutboundMessage
from pledge.mail.transport import unsubscribe_token_of
from pledge.policy.loaded import configured_declaration

from .bounces import record_bounce
from .classify import Classification
from .models import DataRequest, InboundMessage

# The support app's entry, by dotted path as the worker's PERIODIC_JOBS: it takes the
# stored InboundMessage and answers in a few words what it did.
SUPPORT_HANDLER = "pledge.support.intake.receive"

# Our own tokens and Message-IDs, wherever a report quotes the message it is about.
OUR_TOKEN = re.compile(rb"(?:bounces|unsubscribe)\+([0-9a-f]{32})@", re.I)
MESSAGE_ID = re.compile(rb"<([^<>\s@\x00]{1,200}@[^<>\s@\x00]{1,200})>")
SCAN_LIMIT = 512 * 1024

DATA_REQUEST = re.compile(
    r"\bgdpr\b|\bccpa\b|data subject|subject access|(?:data|privacy) request"
    r"|right (?:to|of) (?:be forgotten|erasure|access)"
    r"|(?:delete|erase|remove) (?:all )?(?:of )?my (?:personal )?(?:data|information|details|account)"
    r"|(?:copy of|access to) (?:all )?my (?:personal )?(?:data|information)"
    r"|what (?:personal )?(?:data|information) (?:do )?you (?:hold|have|keep)",
    re.I,
)


@dataclass(frozen=True)
class Outcome:
    """What a message was, why, what was done, and the message and person it is about."""

    kind: str
    reason: str
    action: str
    outbound: OutboundMessage | None = None
    person: Any = None


def act(inbound: InboundMessage, result: Classification) -> Outcome:
    """Do what this message calls for; inside the caller's transaction."""
    token = _unsubscribe_token(inbound.recipients)
    if token and result.kind == "human":
        return _unsubscribe_by_mail(token, result)
    if result.kind in ("bounce-hard", "bounce-soft"):
        return _bounce(inbound, result)
    if result.kind == "complaint":
        return _complaint(inbound, result)
    if result.kind in ("auto-reply", "challenge-response"):
        return Outcome(result.kind, result.reason, "recorded; never answered, not a bounce")
    return _from_a_person(inbound, result)


def _unsubscribe_token(recipients: list[str]) -> str:
    for recipient in recipients:
        local = recipient.rpartition("@")[0].lower()
        if local.startswith("unsubscribe+"):
            return unsubscribe_token_of(local)
    return ""


def our_message(raw: bytes, token: str) -> OutboundMessage | None:
    """The message of ours a report is about: by VERP token, else by a token or a
    Message-ID the report quotes. None if it names nothing we sent."""
    head = raw[:SCAN_LIMIT]
    # Whatever a report says goes into a query: no NUL, which PostgreSQL refuses.
    token = token.replace("\x00", "")
    tokens = [token] if token else []
    tokens += [t.decode().lower() for t in OUR_TOKEN.findall(head)]
    for each in tokens:
        found = OutboundMessage.objects.filter(token=each).select_related("person").first()
        if found is not None:
            return found
    ids = {m.decode("ascii", "replace") for m in MESSAGE_ID.findall(head)}
    if not ids:
        return None
    candidates = [f"<{i}>" for i in ids] + list(ids)
    return (
        OutboundMessage.objects.filter(message_id__in=candidates).select_related("person").first()
    )


def _bounce(inbound: InboundMessage, result: Classification) -> Outcome:
    message = our_message(bytes(inbound.raw), result.verp_token)
    if message is None:
        return Outcome(result.kind, result.reason, "names no message we sent; nothing changed")
    action = record_bounce(inbound, result, message)
    return Outcome(result.kind, result.reason, action, message, message.person)


def _opt_out(message: OutboundMessage, via: str) -> str:
    """Take the message's person off the message's list, as the one-click link does.

    The message is named (``message_token``), as the link names it, so an opt-out
    by mail or by complaint is counted for the message's campaign in its report.
    """
    if not message.list_key:
        return f"message {message.pk} was not to a list; nothing to leave"
    left = unsubscribe(
        message.person,
        message.purpose,
        via=via,
        scope=message.scope,
        site=message.site,
        message_token=message.token,
    )
    where = f"{message.list_key}{':' + message.scope if message.scope else ''}"
    if left:
        return f"opted out of the list {where}"
    return f"was not on the list {where}; nothing changed"


def _complaint(inbound: InboundMessage, result: Classification) -> Outcome:
    message = our_message(bytes(inbound.raw), result.verp_token)
    if message is None:
        return Outcome(result.kind, result.reason, "names no message we sent; nothing changed")
    return Outcome(result.kind, result.reason, _opt_out(message, "system"), message, message.person)


def _unsubscribe_by_mail(token: str, result: Classification) -> Outcome:
    reason = f"mail to the unsubscribe address ({result.reason})"
    message = OutboundMessage.objects.filter(token=token).select_related("person").first()
    if message is None:
        return Outcome("unsubscribe", reason, "the token names no message we sent; nothing changed")
    return Outcome("unsubscribe", reason, _opt_out(message, "mail"), message, message.person)


def _from_a_person(inbound: InboundMessage, result: Classification) -> Outcome:
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(bytes(inbound.raw[:65536]))
    subject = str(headers.get("Subject") or "")
    sender = _sender(headers)
    organisation = configured_declaration().data["organisation"]
    privacy = organisation["privacy_email"].lower()
    if privacy in (r.lower() for r in inbound.recipients):
        return _data_request(inbound, sender, subject, f"mail to {privacy}")
    asked = DATA_REQUEST.search(subject + "\n" + _opening(bytes(inbound.raw)))
    if asked:
        return _data_request(
            inbound, sender, subject, f"reads as a data request: {asked.group(0)!r}"
        )
    return _to_support(inbound, result)


def _sender(headers: Any) -> str:
    for _, address in getaddresses([str(v) for v in headers.get_all("From") or []]):
        if "@" in address:
            return address.replace("\x00", "").lower()
    return ""


def _opening(raw: bytes) -> str:
    """The start of the first text part, for a request's words."""
    from email.parser import BytesParser

    try:
        message = BytesParser(policy=policy.compat32).parsebytes(raw[:SCAN_LIMIT])
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                body = part.get_payload(decode=True)
                if isinstance(body, bytes):
                    return body[:4000].decode(part.get_content_charset() or "utf-8", "replace")
    except (LookupError, ValueError, TypeError):
        return ""
    return ""


def _data_request(inbound: InboundMessage, sender: str, subject: str, why: str) -> Outcome:
    person = (
        get_user_model()._default_manager.filter(email__iexact=sender).first() if sender else None
    )
    request, _ = DataRequest.objects.get_or_create(
        inbound=inbound,
        defaults={
            "person": person,
            "from_address": sender.replace("\x00", "")[:254],
            "subject": subject.replace("\x00", "")[:255],
            "why": why.replace("\x00", "")[:255],
            "received_at": inbound.received_at or timezone.now(),
        },
    )
    return Outcome(
        "data-request",
        why,
        f"data request #{request.pk} opened for the privacy officer",
        None,
        person,
    )


def _to_support(inbound: InboundMessage, result: Classification) -> Outcome:
    try:
        handler = import_string(SUPPORT_HANDLER)
    except ImportError:
        return Outcome(
            result.kind, result.reason, f"no handler ({SUPPORT_HANDLER}); kept here for staff"
        )
    return Outcome("support", result.reason, f"support: {handler(inbound)}")
