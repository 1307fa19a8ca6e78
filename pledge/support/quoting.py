"""Where the quoted part of a mail begins, so the admin can fold it.

Mail programs quote the mail they answer below an attribution line ("On Mon, 2 Mar
2026, Ada wrote:"), under an "Original Message" rule, or as lines starting with
">". Only a trailing quote is folded: a reply written between quoted lines
(bottom- or inline-posting) is left whole, so no word of the customer is hidden.
"""

from __future__ import annotations

import re

ATTRIBUTION = re.compile(
    r"^(?:On\s.{0,300}?\bwrote:|Le\s.{0,300}?\ba écrit\s?:|Am\s.{0,300}?\bschrieb\s.{0,100}:)\s*$",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
RULE = re.compile(
    r"^(?:-{2,}\s*Original Message\s*-{2,}|_{20,}\s*$(?=\s*^From:)|-{2,}\s*Forwarded message)",
    re.IGNORECASE | re.MULTILINE,
)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer(r"\n", text))
    return [s for s in starts if s < len(text)]


def _only_quoted_after(text: str, start: int) -> bool:
    """Whether every non-blank line from ``start`` on is quoted (">").

    A signature separator ("-- ") and what follows it do not count: a quote under
    a signature is still the tail of the mail.
    """
    for line in text[start:].splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(">"):
            continue
        return False
    return True


def quote_start(text: str) -> int:
    """The offset where the trailing quoted text of ``text`` starts, or -1 if none."""
    candidates = []
    for pattern in (RULE, ATTRIBUTION):
        match = pattern.search(text)
        if match is not None and text[: match.start()].strip():
            candidates.append(match.start())
    if candidates:
        start = min(candidates)
        # An attribution line followed by our reply and more quotes is inline posting.
        after = text.find("\n", start)
        if RULE.match(text, start) or after < 0 or _only_quoted_after(text, after + 1):
            return start
    for start in _line_starts(text):
        line = text[start : text.find("\n", start) if "\n" in text[start:] else len(text)]
        if line.lstrip().startswith(">") and text[:start].strip():
            return start if _only_quoted_after(text, start) else -1
    return -1
