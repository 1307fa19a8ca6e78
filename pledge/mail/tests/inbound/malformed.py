"""Mail as it really comes in sometimes: broken, mislabelled, huge. Each must be kept."""

from __future__ import annotations

import base64
import os

SUPPORT = "support@claxton.com"


def _attachment(size: int) -> bytes:
    payload = base64.encodebytes(os.urandom(size))
    return (
        b"From: Big Sender <big@example.org>\r\nTo: support@claxton.com\r\n"
        b"Subject: the log file you asked for\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n'
        b"--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAttached.\r\n"
        b"--zz\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="big.log"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + payload.replace(b"\n", b"\r\n")
        + b"--zz--\r\n"
    )


def malformed() -> dict[str, bytes]:
    """Small broken messages by what is wrong with them."""
    return {
        "broken MIME (no closing boundary, boundary never used)": (
            b"From: a@example.org\nTo: support@claxton.com\nSubject: broken\nMIME-Version: 1.0\n"
            b'Content-Type: multipart/mixed; boundary="never"\n\n--other\nContent-Type: text/plain\n\nhi\n'
        ),
        "unknown charset": (
            b"From: a@example.org\nTo: support@claxton.com\nSubject: =?x-unknown?B?aGVsbG8=?=\n"
            b"Content-Type: text/plain; charset=x-unknown-charset\n\nhello \xe9\xff\n"
        ),
        "8-bit body without a charset": (
            b"From: a@example.org\nTo: support@claxton.com\nSubject: caf\xe9\n\n"
            b"Gr\xfc\xdfe, \xe4\xf6\xfc \x80\x81\n"
        ),
        "NUL bytes": b"From: a@example.org\x00\nTo: support@claxton.com\nSubject: nul\x00\n\nbody\x00\x00end\n",
        "a header without a colon": (
            b"From: a@example.org\nThis header has no colon\nTo: support@claxton.com\nSubject: x\n\nhi\n"
        ),
        "CR-only line endings": (
            b"From: a@example.org\rTo: support@claxton.com\rSubject: old mac\r\rHello there\r"
        ),
        "no headers at all": b"just some text, no header, no blank line",
        "empty": b"",
        "a 20,000-character line": b"From: a@example.org\nSubject: long\n\n" + b"x" * 20000 + b"\n",
    }


def big_attachment() -> bytes:
    """A message with a 25 MB attachment (about 34 MB in base64)."""
    return _attachment(25 * 1024 * 1024)
