"""Quoted text is found so the admin can fold it; a reply written between quotes stays whole."""

from __future__ import annotations

from pledge.support.quoting import quote_start

TOP_POSTED = """Thanks, that worked.

Ada

On Tue, 3 Mar 2026 at 10:02, ContactGenie <support@claxton.com> wrote:
> Please reinstall from the link below.
>
> Customer service
"""

OUTLOOK = """It still fails.

-----Original Message-----
From: ContactGenie <support@claxton.com>
Sent: Tuesday, March 3, 2026 10:02 AM
Please reinstall.
"""

INLINE = """> Which version do you run?
6.2 Professional.
> Which Windows?
Windows 11.
"""


def test_an_attribution_line_starts_the_quote() -> None:
    start = quote_start(TOP_POSTED)

    assert TOP_POSTED[:start] == "Thanks, that worked.\n\nAda\n\n"
    assert TOP_POSTED[start:].startswith("On Tue, 3 Mar 2026")


def test_an_original_message_rule_starts_the_quote() -> None:
    start = quote_start(OUTLOOK)

    assert OUTLOOK[:start] == "It still fails.\n\n"


def test_trailing_quote_lines_without_attribution_are_folded() -> None:
    text = "Yes, please.\n> Shall we send a new key?\n"

    assert text[quote_start(text) :] == "> Shall we send a new key?\n"


def test_inline_answers_are_never_folded() -> None:
    assert quote_start(INLINE) == -1
    assert quote_start("No quote here.\n") == -1
