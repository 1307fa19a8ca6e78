"""What an inbound message is: a bounce (hard or soft), an auto-reply, a challenge, a complaint
or mail from a person.

Pure: bytes in, a Classification out; nothing is stored and nothing is answered here. It never
raises: mail from outside is whatever its sender made it, and a message we cannot read is kept as
human mail with a reason, so a person's support request is never lost (C11). Challenges are told
apart from bounces so that they are never answered (C10) and never mark an address as dead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from typing import Literal

import flufl.bounce

Kind = Literal[
    "bounce-hard", "bounce-soft", "auto-reply", "challenge-response", "complaint", "human"
]
KINDS: tuple[Kind, ...] = (
    "bounce-hard",
    "bounce-soft",
    "auto-reply",
    "challenge-response",
    "complaint",
    "human",
)


@dataclass(frozen=True)
class Classification:
    """What a message is, the rule that decided it, and what a bounce names.

    ``recipients`` are the failed recipients of a bounce, lower-cased; ``status`` the DSN
    status code when the report gives one; ``verp_token`` the token of the
    ``bounces+TOKEN@`` address the message came to, which names our recipient exactly.
    """

    kind: Kind
    reason: str
    recipients: tuple[str, ...] = ()
    status: str = ""
    verp_token: str = ""


# Past this, text is not read: a diagnostic is near the top, and a huge attachment must not
# cost seconds per message.
TEXT_LIMIT = 64 * 1024
# Only the head of a message is parsed: the report parts come first, and a multi-megabyte
# attachment behind them would cost a second of parsing for nothing.
MESSAGE_LIMIT = 512 * 1024
HEADER_LIMIT = 2000

ADDRESS = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+", re.I
)
STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SMTP_REPLY = re.compile(r"\b([45])\d\d[\s-]")
MESSAGE_ID = re.compile(
    r"(?:message-id|in-reply-to|references|\bid)[:\s]+<?([^>\s;]+@[^>\s;]+)", re.I
)
VERP = re.compile(r"\bbounces\+([^@\s<>\"]+)@", re.I)

# The headers a mail server writes the envelope recipient into.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")

CHALLENGE_HEADERS = ("X-Boxbe-", "X-Bluebottle-Request", "X-Spamarrest-", "X-Mailinblack")
CHALLENGE_TEXT = re.compile(
    r"boxbe|spam ?arrest|mailinblack|spamblocker|bluebottle|verify (?:that )?you are (?:a )?human"
    r"|confirm (?:that )?you are (?:a )?(?:human|real person)|sender (?:approval|verification)"
    r"|requires confirmation|confirm this mail server|approve (?:you|your (?:e-?mail|message))"
    r"|guest list|challenge[- ]response|click (?:on )?the link below to (?:verify|confirm)",
    re.I,
)

AUTO_SUBJECT = re.compile(
    r"out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response|antwort)"
    r"|autoreply|abwesenheitsnotiz|vacation (?:reply|notice|message|response)|on vacation"
    r"|automatyczna odpowied|r[ée]ponse automatique|risposta automatica|respuesta autom",
    re.I,
)

BOUNCE_SENDER = re.compile(
    r"mailer-daemon|postmaster|mail delivery (?:subsystem|system)|mail ?administrator"
    r"|mailadmin|mmdf|mail router|mail system|internet mail delivery|smtp gateway",
    re.I,
)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (?:status|failure|report|notification|problem|has failed)"
    r"|returned mail|failure notice|mail delivery failed|could not be delivered|delivery failed"
    r"|non[- ]?remis|nondeliver|non-deliver|mail system error|warning: could not send"
    r"|returned to sender|rejected|not delivered|failed delivery|delivery error|bounce",
    re.I,
)

# Where a report stops and the returned message begins: nothing below is the server's word.
ORIGINAL_FOLLOWS = re.compile(
    r"^[ \t]*[-=_*]{2,}.*(?:original|returned|copy|header|message)"
    r"|^.*(?:message follows|message headers follow|copy of (?:the|your) message|below this line"
    r"|original message headers|unsent message below|included is the returned message).*$",
    re.I | re.M,
)

HARD_TEXT = re.compile(
    r"user(?:name)? (?:unknown|not (?:found|known|exist))|unknown (?:user|recipient|local|address|mailbox|account)"
    r"|no such (?:user|recipient|mailbox|address|account|person|domain|host)|mailbox (?:unavailable|not found|does not exist|is unavailable)"
    r"|(?:does not|doesn't|did not|not) exist|invalid (?:recipient|mailbox|address|user)"
    r"|not a valid (?:mailbox|recipient|user)"
    r"|no mailbox|host unknown|unknown host|domain (?:not found|name not found|does not exist)"
    r"|host or domain name not found|host not found|name or service not known|nxdomain"
    r"|has moved|moved permanently|not accepting (?:any )?mail|accepts no mail|null mx"
    r"|unrouteable address|no longer (?:valid|active|in use|available|exists)|unknown in "
    r"|user doesn't have|account (?:does not exist|not found)|not our customer|bad destination"
    r"|addressee unknown|unknown or illegal|mailbox not present|no such local user"
    r"|recipient not found|recipient unknown|is not a known user|not listed in"
    r"|mail-?box not found|no account|illegal host|invalid final delivery userid"
    r"|find a mail exchanger|no mx record|address (?:couldn't|could not) be found|address not found"
    r"|no valid recipients",
    re.I,
)
SOFT_TEXT = re.compile(
    r"mailbox (?:is )?full|over ?quota|quota|insufficient (?:system )?storage|exceed|too large|too big"
    r"|size limit|message size|spam|blacklist|blocklist|block(?:ed)?\b|listed|rbl|reputation"
    r"|policy|rate limit|too many|throttl|try again later|temporar|deferr|delay|expired"
    r"|still undelivered|will (?:continue|retry|be retried)|timed? ?out|connection refused"
    r"|network|unreachable|authentic|spf|dkim|dmarc|tls|relay(?:ing)? (?:denied|not permitted|access denied)"
    r"|not permitted to relay|virus|suspend|disabled|inactive|deactivated|frozen|not allowed"
    r"|refused|denied|content|malformed|syntax|loop",
    re.I,
)
# Refused once the message itself was sent (after DATA), or with the empty-address reply of
# Japanese mobile carriers' domain filters: the mailbox exists and a filter said no.
FILTERED_TEXT = re.compile(
    r"in reply to end of data|after end of data|smtp command\s+data|need rcpt|\b550:? : user unknown",
    re.I,
)
# RFC 3463: bad sender address (x.1.8), mailbox full or message too big (x.2.x but a disabled
# mailbox, x.2.1), system and content (x.3.x, x.6.x), security and policy (x.7.x).
SOFT_STATUS = re.compile(r"5\.(?:1\.8|2\.[02-9]|3\.\d+|6\.\d+|7\.\d+)$")
STOCK_550 = re.compile(r"requested action not taken: mailbox unavailable", re.I)
HARD_STATUS = {"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10"}
# The enhanced code inside the remote server's reply ("550-5.7.1 ...", "(#5.7.1)"): its own
# word, more exact than the code the reporting server put on the whole report.
REPLY_STATUS = re.compile(r"\b5\d\d[ -]'?(5\.\d{1,3}\.\d{1,3})\b|\(#(5\.\d{1,3}\.\d{1,3})\)")
# A sendmail transcript where the server said no only to the message body: the recipient had
# been accepted at RCPT, so a content filter refused, whatever words it chose.
AFTER_DATA = re.compile(r">>>\s*DATA\s*\n[>\s]*<<<\s*5(?!03)\d\d[^\n]*", re.I)
PIPELINED_503 = re.compile(r"<<<\s*503\b")
RCPT_REFUSED = re.compile(r">>>\s*RCPT[^\n]*\n[>\s]*<<<\s*5\d\d")
# The last hop handed the message to a local program (procmail, a pipe) that failed.
LOCAL_MAILER = re.compile(r"\bx-unix;|command output:|\bprocmail:", re.I)
# Words that name a dead domain rather than a mailbox: a fact of DNS, not a server's opinion.
DOMAIN_TEXT = re.compile(
    r"host unknown|unknown host|no such (?:domain|host)|domain (?:not found|name not found|does not exist)"
    r"|host or domain name not found|host not found|name or service not known|nxdomain|null mx"
    r"|unrouteable address|illegal host|find a mail exchanger|no mx record",
    re.I,
)
REPLY_CODE = re.compile(r"\b5\d\d\b")
# Content-filter gateways whose reports speak for the filter, not for the mailbox behind it.
FILTER_GATEWAY = re.compile(r"surfcontrol|mailfoundry", re.I)
# A full mailbox is a mailbox that exists.
STORAGE_TEXT = re.compile(
    r"not enough (?:disk )?space|disk (?:space|quota)|mailbox (?:is )?full|over ?quota"
    r"|insufficient (?:system )?storage",
    re.I,
)


def classify(raw: bytes, envelope_recipients: Iterable[str] = ()) -> Classification:
    """Classify one inbound message; ``envelope_recipients`` are the RCPT TO addresses."""
    try:
        return _classify(raw, tuple(envelope_recipients))
    except Exception as error:  # outside mail must never stop the intake
        return Classification("human", f"unreadable ({type(error).__name__}); kept as human mail")


def _classify(raw: bytes, envelope: tuple[str, ...]) -> Classification:
    raw = raw[:MESSAGE_LIMIT]
    if b"\n" not in raw[:8192] and b"\r" in raw:
        raw = raw.replace(b"\r", b"\n")  # old Mac line endings: one message, not one line
    message = BytesParser(policy=policy.compat32).parsebytes(raw)
    token = _verp_token(message, envelope)
    if _is_feedback_report(message):
        return Classification("complaint", "RFC 5965 feedback report", verp_token=token)
    text = _report_text(message)
    challenge = _challenge(message, text)
    if challenge:
        return Classification("challenge-response", challenge, verp_token=token)
    bounce = _bounce(message, text, token)
    if bounce is not None:
        return bounce
    auto = _auto_reply(message)
    if auto:
        return Classification("auto-reply", auto, verp_token=token)
    if token:
        return Classification(
            "human", "to the bounce address but no failure found", verp_token=token
        )
    return Classification("human", "no automatic-mail signal")


def _header(message: Message, name: str) -> str:
    """A header as text, RFC 2047 words decoded; "" when absent or unreadable."""
    value = message.get(name)
    if value is None:
        return ""
    # A signal sits near the start; a header folded over thousands of words only costs time.
    text = str(value)[:HEADER_LIMIT]
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # a bad encoded word is left as it came
        return text


def _headers(message: Message, name: str) -> list[str]:
    return [str(value) for value in message.get_all(name) or []]


def _verp_token(message: Message, envelope: tuple[str, ...]) -> str:
    candidates = list(envelope)
    for name in RECIPIENT_HEADERS:
        candidates.extend(_headers(message, name))
    for candidate in candidates:
        match = VERP.search(candidate)
        if match:
            return match.group(1)
    return ""


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def _parts(message: Message, inside_returned: bool = False) -> Iterator[tuple[Message, bool]]:
    """Every part, with whether it belongs to a returned (quoted) message."""
    yield message, inside_returned
    payload = message.get_payload()
    if not isinstance(payload, list):
        return
    is_returned = _content_type(message) in ("message/rfc822", "text/rfc822-headers")
    for part in payload:
        if isinstance(part, Message):
            yield from _parts(part, inside_returned or is_returned)


def _decoded(part: Message) -> str:
    try:
        body = part.get_payload(decode=True)
    except Exception:
        return ""
    if not isinstance(body, bytes):
        return ""
    body = body[:TEXT_LIMIT]
    charset = "latin-1"
    try:
        charset = part.get_content_charset() or "utf-8"
        return body.decode(charset, errors="replace")
    except (LookupError, ValueError):
        return body.decode("latin-1")


def _report_text(message: Message) -> str:
    """The server's own words: text parts outside any returned message, cut where a copy begins."""
    pieces = []
    for part, returned in _parts(message):
        if returned or part.is_multipart():
            continue
        if _content_type(part) in ("text/plain", "text/html") or part is message:
            text = _decoded(part)
            cut = ORIGINAL_FOLLOWS.search(text)
            pieces.append(text[: cut.start()] if cut else text)
    return "\n".join(pieces)[:TEXT_LIMIT]


def _is_feedback_report(message: Message) -> bool:
    if message.get_param("report-type", header="content-type") == "feedback-report":
        return True
    return any(_content_type(part) == "message/feedback-report" for part, _ in _parts(message))


def _challenge(message: Message, text: str) -> str:
    for name in message.keys():
        if name.lower().startswith(tuple(h.lower() for h in CHALLENGE_HEADERS)):
            return f"challenge-response header {name}"
    # A challenge may come dressed as a DSN, its request in the Diagnostic-Code.
    diagnostics = [
        str(block.get("Diagnostic-Code") or "")
        for report in _delivery_reports(message)
        for block in _status_blocks(report)
    ]
    match = CHALLENGE_TEXT.search("\n".join([_header(message, "Subject"), text, *diagnostics]))
    # Wording alone decides only for automatic mail: a person may write "guest list" or
    # "requires confirmation", and their mail must reach support (C11).
    if match and (diagnostics or _looks_like_bounce(message) or _auto_reply(message)):
        return f"challenge-response wording: {match.group(0)!r}"
    return ""


def _auto_reply(message: Message) -> str:
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"RFC 3834 Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Response-Suppress"):
        if message.get(name) is not None:
            return f"auto-reply header {name}"
    if _header(message, "X-Apple-Action").strip().upper() == "VACATION":
        return "Apple X-Apple-Action: VACATION"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "auto_reply", "auto-reply"):
        return f"Precedence: {precedence}"
    match = AUTO_SUBJECT.search(_header(message, "Subject"))
    if match:
        return f"auto-reply subject: {match.group(0)!r}"
    return ""


def _bounce(message: Message, text: str, token: str) -> Classification | None:
    dsn = _delivery_status(message, text, token)
    if dsn is not None:
        return dsn
    if not _looks_like_bounce(message):
        return None
    message_ids = _message_ids(message, text)
    recipients = [a for a in _flufl_recipients(message) if a not in message_ids]
    if recipients:
        # flufl.bounce's address patterns stop at a hyphen in the domain and drop the
        # address: take those back from the report's own words.
        not_failed = _not_recipients(message, text)
        recipients += [
            address
            for address in (a.lower() for a in ADDRESS.findall(text))
            if "-" in address.split("@")[1] and address not in not_failed
        ]
    rule = "flufl.bounce detector"
    if not recipients:
        recipients = _pattern_recipients(message, text)
        rule = "bounce wording"
    if not recipients and not token:
        return None
    status = _status_of(text)
    return _second_look(message, text, _decide(recipients, status, text, rule, token))


def _looks_like_bounce(message: Message) -> bool:
    if message.get("X-Failed-Recipients") is not None:
        return True
    sender = _header(message, "From") + " " + _header(message, "Return-Path")
    return bool(BOUNCE_SENDER.search(sender) or BOUNCE_SUBJECT.search(_header(message, "Subject")))


def _status_of(text: str) -> str:
    match = STATUS.search(text)
    return match.group(0) if match else ""


def _is_hard(status: str, text: str, diagnostic: str = "") -> tuple[bool, str]:
    """Hard means the address or its domain is gone; anything else may pass another day.

    A wrong "hard" stops all mail to a person for good, a wrong "soft" only adds to a score
    that suspends the address after a few more, so every doubt falls to soft. ``diagnostic``
    is the remote server's own reply for this recipient (RFC 3464 Diagnostic-Code) and, when
    it gives only a soft sign, that outweighs the reporting server's summary around it.
    """
    if status.startswith("4"):
        return False, f"{status} temporary"
    if SOFT_STATUS.match(status):
        return False, f"{status} refused for the message, not the address"
    doubt = _doubt(text, diagnostic)
    if doubt:
        return False, doubt
    said = STOCK_550.sub("", diagnostic)
    soft = SOFT_TEXT.search(said)
    if soft and not HARD_TEXT.search(said):
        return False, f"the remote server said {soft.group(0).lower()!r}"
    return _is_hard_by_words(status, text) or (False, "no sign the address is gone")


def _doubt(text: str, diagnostic: str) -> str:
    """A sign anywhere in the report that the mailbox exists and something else said no."""
    words = diagnostic or text
    for reply in REPLY_STATUS.finditer(words):
        code = reply.group(1) or reply.group(2)
        # The reply's own words: after "550-5.7.1", or before "(#5.7.1)" back to its code.
        if reply.group(1):
            said = words[reply.start() : reply.end() + 200]
        else:
            said = words[max(0, reply.start() - 200) : reply.start()]
        if SOFT_STATUS.match(code) and not HARD_TEXT.search(said.split("\n\n")[0]):
            return f"the remote server's own code {code}: refused for the message, not the address"
    for after_data in AFTER_DATA.finditer(text):
        # With pipelining a RCPT refusal prints after ">>> DATA" too, and the server then
        # answers the DATA itself with 503; a refused RCPT before it makes DATA fail for want
        # of recipients. Only with neither was the message itself refused.
        before = text[max(0, after_data.start() - 500) : after_data.start()]
        if not (
            PIPELINED_503.search(text, after_data.end(), after_data.end() + 300)
            or RCPT_REFUSED.search(before)
        ):
            return "refused after DATA: the recipient was accepted, a filter said no"
    mailer = LOCAL_MAILER.search(words)
    if mailer:
        return f"the local delivery program failed ({mailer.group(0).strip().lower()})"
    storage = STORAGE_TEXT.search(text)
    if storage:
        return f"{storage.group(0).lower()}: the mailbox exists"
    return ""


def _is_hard_by_words(status: str, text: str) -> tuple[bool, str] | None:
    """Hard or soft from the words of one report; None when the words say neither."""
    # RFC 5321's stock wording for any 550 says nothing about why (IIS sends it for filters).
    text = STOCK_550.sub("", text)
    hard = HARD_TEXT.search(text)
    soft = SOFT_TEXT.search(text)
    filtered = FILTERED_TEXT.search(text)
    if hard and filtered and status not in HARD_STATUS:
        return (
            False,
            f"{hard.group(0).lower()} but refused by a filter ({filtered.group(0).lower()})",
        )
    if status in HARD_STATUS:
        if soft and not hard:
            return False, f"{status} but {soft.group(0).lower()!r}"
        return True, f"{status} {hard.group(0).lower() if hard else 'address unknown'}"
    if hard and not (soft and soft.start() < hard.start()):
        return True, hard.group(0).lower()
    if soft:
        return False, soft.group(0).lower()
    return None


def _decide(recipients: list[str], status: str, text: str, rule: str, token: str) -> Classification:
    hard, why = _is_hard(status, text)
    kind: Kind = "bounce-hard" if hard else "bounce-soft"
    return Classification(kind, f"{rule}: {why}", tuple(dict.fromkeys(recipients)), status, token)


def _second_look(message: Message, text: str, result: Classification) -> Classification:
    """Take back a "hard" whose evidence is too weak to stop mail to a person for good."""
    if result.kind != "bounce-hard":
        return result
    gateway = FILTER_GATEWAY.search(" ".join(str(v) for v in message.values()))
    if gateway:
        return _soften(result, f"said by the {gateway.group(0)} content filter, not the mailbox")
    has_code = bool(result.status or REPLY_CODE.search(text))
    if not has_code and not DOMAIN_TEXT.search(text):
        # Gateways and filters word their refusals as "user unknown" too; without any SMTP
        # code a mailbox-level claim counts as soft, and repeated ones suspend the address.
        return _soften(result, "mailbox unknown, said without any SMTP code")
    return result


def _soften(result: Classification, why: str) -> Classification:
    rule = result.reason.split(":", 1)[0]
    return Classification(
        "bounce-soft", f"{rule}: {why}", result.recipients, result.status, result.verp_token
    )


def _field_address(value: str) -> str:
    value = value.split(";", 1)[-1]
    match = ADDRESS.search(value)
    return match.group(0).lower() if match else ""


def _delivery_status(message: Message, text: str, token: str) -> Classification | None:  # noqa: C901
    """RFC 3464: one block per recipient with Final-Recipient, Action, Status, Diagnostic-Code."""
    blocks = [block for report in _delivery_reports(message) for block in _status_blocks(report)]
    rule = "RFC 3464 delivery-status"
    if not blocks and "final-recipient:" in text.lower():
        # A report whose MIME structure is broken still carries the fields in its text.
        blocks = _blocks_from_text(text)
        rule = "RFC 3464 fields in a broken report"
    failed: list[tuple[str, str, str]] = []
    for block in blocks:
        action = (block.get("Action") or "").strip().lower()
        if action in ("delivered", "relayed", "expanded"):
            continue
        address = _field_address(block.get("Final-Recipient") or "") or _field_address(
            block.get("Original-Recipient") or ""
        )
        if not address:
            continue
        status = _status_of(block.get("Status") or "")
        if action.startswith("delayed") and not status:
            status = "4.0.0"
        failed.append((address, status, block.get("Diagnostic-Code") or ""))
    if not failed:
        return None
    recipients = [address for address, _, _ in failed]
    hard_any = False
    why = ""
    status = failed[0][1]
    for _, each_status, diagnostic in failed:
        hard, each_why = _is_hard(each_status, diagnostic + "\n" + text, diagnostic)
        if hard or not why:
            why, status = each_why, each_status
        if hard:
            hard_any = True
            break
    kind: Kind = "bounce-hard" if hard_any else "bounce-soft"
    result = Classification(kind, f"{rule}: {why}", tuple(dict.fromkeys(recipients)), status, token)
    if rule != "RFC 3464 delivery-status" and status not in HARD_STATUS:
        # Fields read from a report whose MIME is broken may belong to the quoted copy: only an
        # address-class code is enough to stop mail to someone for good.
        return _soften(result, f"{why}, but read from a broken report without an address code")
    diagnostics = "\n".join(diagnostic for _, _, diagnostic in failed)
    return _second_look(message, text + "\n" + diagnostics, result)


def _delivery_reports(message: Message) -> list[Message]:
    return [
        part
        for part, returned in _parts(message)
        if not returned and _content_type(part) == "message/delivery-status"
    ]


def _status_blocks(report: Message) -> list[Message]:
    payload = report.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    # Not parsed as header blocks (bad encoding, odd line ends): read the fields ourselves.
    return _blocks_from_text(_decoded(report) if isinstance(payload, str) else "")


def _blocks_from_text(text: str) -> list[Message]:
    """RFC 3464 field blocks, split at blank lines; a folded line continues its field."""
    blocks = []
    for chunk in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")):
        fields: dict[str, str] = {}
        name = ""
        for line in chunk.splitlines():
            if line[:1] in (" ", "\t") and name:
                fields[name] += " " + line.strip()
                continue
            field, sep, value = line.partition(":")
            name = field.strip() if sep and field.strip() and " " not in field.strip() else ""
            if name:
                fields[name] = value.strip()
        block = Message()
        for field, value in fields.items():
            block[field] = value
        blocks.append(block)
    return blocks


def _flufl_recipients(message: Message) -> list[str]:
    try:
        temporary, permanent = flufl.bounce.all_failures(message)
    except Exception:  # its detectors raise on some malformed mail
        return []
    found = []
    for address in sorted(set(temporary) | set(permanent)):
        text = address.decode("utf-8", "replace") if isinstance(address, bytes) else str(address)
        match = ADDRESS.search(text)
        if match:
            found.append(match.group(0).lower())
    return found


def _not_recipients(message: Message, text: str) -> set[str]:
    """The bounce's own sender and receiver, and Message-IDs."""
    own: set[str] = set()
    # X-Original-To is left out: some agents (DragonFly) write the failed address there.
    for name in ("From", "To", "Return-Path", "Reply-To", "Sender", "Delivered-To"):
        own.update(a.lower() for a in ADDRESS.findall(_header(message, name)))
    return own | _message_ids(message, text)


def _message_ids(message: Message, text: str) -> set[str]:
    """Message-IDs look like addresses and name no one."""
    ids = {m.lower() for m in MESSAGE_ID.findall(text)}
    for part, _ in _parts(message):
        for name in ("Message-ID", "In-Reply-To", "References"):
            ids.update(a.lower() for a in ADDRESS.findall(_header(part, name)))
    return ids


def _pattern_recipients(message: Message, text: str) -> list[str]:
    """Addresses the server's own words name, other than the bounce's own sender and receiver."""
    failed = [a.lower() for a in ADDRESS.findall(_header(message, "X-Failed-Recipients"))]
    if failed:
        return failed
    own = _not_recipients(message, text)
    found = []
    for address in ADDRESS.findall(text):
        address = address.lower()
        if address not in own and not BOUNCE_SENDER.search(address.split("@")[0]):
            found.append(address)
    return found[:1] if found else []
