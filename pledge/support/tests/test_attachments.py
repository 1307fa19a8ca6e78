"""Attachments: listed with name, type and size; bytes in storage; limits refuse, mail lands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pledge.support.intake import take_in
from pledge.support.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def test_an_attachment_is_kept_in_storage_not_in_the_row(
    policy: Any, mail: Any, attachment_dir: Path
) -> None:
    result = take_in(mail(attachments=[("splash screen.png", "image/png", PNG)]))

    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "splash screen.png",
        "image/png",
        len(PNG),
    )
    assert attachment.refused == ""
    stored = Path(attachment.file.path)
    assert stored.parent == attachment_dir / result.ticket.reference
    assert stored.read_bytes() == PNG
    assert result.summary.endswith("1 attachment(s), 0 refused; acknowledged")


def test_over_the_limits_an_attachment_is_refused_and_the_mail_lands(
    policy: Any, mail: Any, settings: Any, attachment_dir: Path
) -> None:
    settings.SUPPORT_ATTACHMENT_MAX_BYTES = 50
    result = take_in(
        mail(
            text="Screenshot and the installer attached.\n",
            attachments=[
                ("big.png", "image/png", PNG),
                ("setup.exe", "application/x-msdownload", b"MZ"),
            ],
        )
    )

    refused = {a.filename: a.refused for a in Attachment.objects.all()}
    assert refused == {
        "big.png": "larger than 50 bytes",
        "setup.exe": "type application/x-msdownload is not accepted",
    }
    assert all(not a.file for a in Attachment.objects.all())
    assert not attachment_dir.exists() or not any(attachment_dir.rglob("*.*"))
    assert result.message.body_text == "Screenshot and the installer attached.\n"
