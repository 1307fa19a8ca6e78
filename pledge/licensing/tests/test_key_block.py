"""The key block a receipt includes: the key whole on its own line, and what it grants."""

from __future__ import annotations

import datetime

from pledge.licensing.ownership import current_key
from pledge.licensing.receipts import render_key_block


def test_the_text_block_carries_the_key_on_its_own_line_and_says_what_it_grants(
    make_person, register
):
    key = current_key(register(make_person(), expires_on=datetime.date(2030, 6, 30)))

    lines = render_key_block(key).splitlines()

    assert lines[0] == "Your license key for ContactGenie Professional (Professional, 1 seat):"
    assert lines[2] == key.key
    assert lines[4] == f"Key number: {key.serial}"
    assert lines[5] == (f"Issued {key.issued_at:%-d %B %Y}; valid until the end of 30 June 2030.")


def test_the_html_block_shows_the_whole_key(make_person, register):
    key = current_key(register(make_person()))

    html = render_key_block(key, html=True)

    assert f">{key.key}</code>" in html
    assert "it does not expire" in html
