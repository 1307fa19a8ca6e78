"""What of a request an access log may keep: the one list of masks (C7).

Pledge's own log (``accesslog``), the nginx configuration ``pledge logs
nginx-config`` prints (``nginx``) and the ingest (``logformat.path_of``) all apply
these masks, so they cannot drift apart. A path loses its ``;`` parameters; the
token or account key of every tokenised route (``TOKEN_ROUTES``) becomes
``:token``; then any other segment that is a number, holds an email address, or
looks like a token becomes ``:n``, ``:email`` or ``:token``. The query string is
never written, except the destination's host of an exit redirect (C6). A referring
page keeps its scheme, host and masked path.

A mask is a regex and a template (``$1`` … ``$9`` for its groups). A step is a list
of masks: the first that matches rewrites the value; none leaves it as it is, which
is what an nginx ``map`` block does. So nginx runs each step as one ``map``, and
Pledge loops over the same regexes. The regexes use only what Python's ``re`` and
nginx's PCRE read alike, and Pledge matches them on the UTF-8 bytes, as nginx does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

CAPTURE = re.compile(r"\$([1-9])")


@dataclass(frozen=True)
class Mask:
    """Where ``regex`` matches, the value becomes ``template``; ``None`` keeps it."""

    regex: str
    template: str | None
    why: str = ""

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.regex, re.ASCII)

    def rewrite(self, value: str) -> str | None:
        found = self.compiled.search(value)
        if found is None:
            return None
        if self.template is None:
            return value
        return CAPTURE.sub(lambda n: found[int(n[1])] or "", self.template)


Step = tuple[Mask, ...]


def run_step(step: Step, value: str) -> str:
    for mask in step:
        rewritten = mask.rewrite(value)
        if rewritten is not None:
            return rewritten
    return value


# A segment already masked is left alone.
PLACEHOLDER = r":(?:n|email|token)(?:\.[A-Za-z0-9]{1,5})?(?:/|$)"
# The first segment (after ``$1``) that the lookahead that follows describes.
SEGMENT = r"(?s)^(.*?/)(?!" + PLACEHOLDER + r")"
EXTENSION = r"(\.[A-Za-z0-9]{1,5})?"
AN_EXTENSION = r"(?:\.[A-Za-z0-9]{1,5})?"
REST = r"(/.*)?$"
# A character of a segment before its extension (``.gif``, ``.tar.gz``'s ``.gz``).
STEM = r"(?!\.[A-Za-z0-9]{1,5}(?:/|$))[^/]"
STEM_NO_DIGIT = r"(?!\.[A-Za-z0-9]{1,5}(?:/|$))[^/0-9]"
NUMBER = r"[0-9]+(?:/|$)"
EMAIL = r"[^/]*(?:@|%40)"
TOKEN = (
    # A signed value (``42:1uXb3c:…``, an account number in clear) or anything with a colon.
    r"[^/]*(?::|%3[Aa])"
    # A long hexadecimal key.
    r"|[0-9a-fA-F]{16,}" + AN_EXTENSION + r"(?:/|$)"
    # Before its extension: long, with two digits, and mixed case or no hyphen: random,
    # not a slug such as ``logstash-monitorama-2013``.
    r"|(?=(?:" + STEM + r"){16})(?=(?:(?:" + STEM_NO_DIGIT + r")*[0-9]){2})"
    r"(?:(?=(?:" + STEM + r")*?[A-Z])(?=(?:" + STEM + r")*?[a-z])|(?!(?:" + STEM + r")*?-))"
)
BEACON = Mask(r"^/b/[a-z0-9_-]{1,64}\.gif$", None, "a page beacon's content key is counted")
ANY = r"[^/]+" + REST

# Routes whose path carries a token or an account's key, wherever a token looks like
# a word. Every ``<str:…>`` route of ``pledge/urls.py`` is here, or a test says so.
TOKEN_ROUTES: Step = (
    Mask(r"(?s)^/o/[^/]*\.gif$", "/o/:token.gif", "the mail open pixel"),
    Mask(r"(?s)^/my-data/(?!(?:you|sent|done)(?:/|$))" + ANY, "/my-data/:token$1", "signed link"),
    Mask(
        r"(?s)^/account/verify/(?!resend(?:/|$))" + ANY, "/account/verify/:token$1", "signed link"
    ),
    Mask(
        r"(?s)^/account/password/reset/(?!(?:sent|complete)(?:/|$))[^/]+(?:/[^/]+)?" + REST,
        "/account/password/reset/:token/:token$1",
        "account key (base64) and reset token",
    ),
    Mask(r"(?s)^/mail/(confirm|unsubscribe)/" + ANY, "/mail/$1/:token$2", "signed link"),
    Mask(r"(?s)^/orders/claim/" + ANY, "/orders/claim/:token$1", "signed link"),
    Mask(r"(?s)^/orders/(?!(?:buy|claim)(?:/|$))" + ANY, "/orders/:token$1", "order key"),
    Mask(r"(?s)^/dev/mail/" + ANY, "/dev/mail/:token$1", "the demo's caught messages"),
    Mask(
        r"(?s)^/staff/(?!r/)([^/]+)/([^/]+)/(?!add(?:/|$))" + ANY,
        "/staff/$1/$2/:token$3",
        "a record's key in the admin",
    ),
    Mask(r"(?s)^/staff/r/" + ANY, "/staff/r/:token", "the admin's view-on-site link"),
)
SEGMENTS: Step = (
    BEACON,
    Mask(SEGMENT + r"(?=" + NUMBER + r")[^/]*" + REST, "$1:n$2", "a number"),
    Mask(SEGMENT + r"(?=" + EMAIL + r")[^/]*" + REST, "$1:email$2", "an email address"),
    Mask(SEGMENT + r"(?=" + TOKEN + r")[^/]*?" + EXTENSION + REST, "$1:token$2$3", "a token"),
)
# Each pass masks one segment; a path with more to mask than the passes is cut there.
SEGMENT_PASSES = 6
CUT: Step = (
    BEACON,
    Mask(SEGMENT + r"(?=" + NUMBER + "|" + EMAIL + "|" + TOKEN + r").*$", "$1:token", "cut"),
)
PATH_STEPS: tuple[Step, ...] = (
    (Mask(r"(?s)^([^;#]*)[;#].*$", "$1", "parameters"),),
    TOKEN_ROUTES,
    *([SEGMENTS] * SEGMENT_PASSES),
    CUT,
    (Mask(r"(?s)^(.{500}).+$", "$1", "long"), Mask(r"^$", "/", "empty")),
)

# An exit redirect keeps its destination's host (C6), from the first ``to=`` that has
# one: ``$1`` is the masked path, ``?``, the raw query string.
EXIT = Mask(
    r"(?s)^/out/\?(?:[^&]*&)*?(?i:to)=(?i:https?)(?::|%3[Aa])(?:/|%2[Ff]){2}"
    r"(?:(?:[^&/?#@%]|%(?!2[Ff]|3[Ff]|23)[0-9A-Fa-f]{2})*(?:@|%40))?"
    r"([A-Za-z0-9.-]+)(?:[:/?#&]|%3[AaFf]|%2[Ff]|%23|$)",
    "/out/?to=https%3A%2F%2F$1%2F",
    "exit redirect",
)
# A referring page: scheme and host ($1, $2), and the path to mask ($3); no query.
REFERRER = (
    r"(?s)^([A-Za-z][A-Za-z0-9+.-]*)://(?:[^/?#@]*@)?([^/?#:@\[\]]+|\[[0-9A-Fa-f:.]+\])"
    r"(?::[0-9]*)?(/[^?#]*)?(?:[?#].*)?$"
)
REFERRER_ORIGIN = Mask(REFERRER, "$1://$2", "referring site")
REFERRER_PATH = Mask(REFERRER, "$3", "referring page")


def _latin(raw: bytes) -> str:
    """Bytes as one character each, so that Python's regexes see what PCRE sees."""
    return raw.decode("latin-1")


def mask_path_bytes(raw: bytes) -> bytes:
    value = _latin(raw)
    for step in PATH_STEPS:
        value = run_step(step, value)
    return value.encode("latin-1")


@lru_cache(maxsize=65536)
def mask_path(path: str) -> str:
    """The path as an access log may keep it (no query string expected)."""
    return mask_path_bytes(path.encode("utf-8")).decode("utf-8", errors="replace")


def mask_target(raw_path: bytes, raw_query: bytes) -> bytes:
    """The request target as written: the masked path, and for an exit redirect the
    destination's host."""
    path = mask_path_bytes(raw_path)
    exit_target = EXIT.rewrite(_latin(path + b"?" + raw_query))
    return path if exit_target is None else exit_target.encode("latin-1")


def mask_referrer(raw: bytes) -> bytes | None:
    """Scheme, host and masked path of a referring page; None when it is not a URL."""
    origin = REFERRER_ORIGIN.rewrite(_latin(raw))
    if origin is None:
        return None
    path = REFERRER_PATH.rewrite(_latin(raw)) or ""
    return origin.encode("latin-1") + mask_path_bytes(path.encode("latin-1"))


def escaped(raw: bytes) -> str:
    """A field as nginx writes it into a log: ``"``, ``\\``, control and non-ASCII
    bytes as ``\\xHH``."""
    return raw.decode("latin-1").translate(ESCAPES)


ESCAPES = {b: f"\\x{b:02X}" for b in (*range(0x20), 0x22, 0x5C, *range(0x7F, 0x100))}
