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


def test_a_mail_that_fails_midway_leaves_no_file_behind(
    policy: Any, mail: Any, attachment_dir: Path, monkeypatch: Any
) -> None:
    import pytest

    from pledge.support import intake

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("the outbox is down")

    monkeypatch.setattr(intake, "acknowledge", broken)

    with pytest.raises(RuntimeError):
        take_in(mail(attachments=[("shot.png", "image/png", PNG)]))

    assert Attachment.objects.count() == 0
    assert [p for p in attachment_dir.rglob("*") if p.is_file()] == []


def test_the_sweep_removes_only_old_files_no_row_names(
    policy: Any, mail: Any, attachment_dir: Path
) -> None:
    import os
    import time
    from datetime import timedelta

    from pledge.support.attachments import sweep_unlinked_files

    take_in(mail(attachments=[("kept.png", "image/png", PNG)]))
    stray_old = attachment_dir / "CG-10000" / "stray-old.png"
    stray_new = attachment_dir / "CG-10000" / "stray-new.png"
    stray_old.parent.mkdir(parents=True)
    stray_old.write_bytes(PNG)
    stray_new.write_bytes(PNG)
    two_hours_ago = time.time() - 7200
    os.utime(stray_old, (two_hours_ago, two_hours_ago))
    kept = Path(Attachment.objects.get().file.path)
    os.utime(kept, (two_hours_ago, two_hours_ago))

    assert sweep_unlinked_files(timedelta(hours=1)) == 1
    assert (stray_old.exists(), stray_new.exists(), kept.exists()) == (False, True, True)
