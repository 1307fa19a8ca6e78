"""An attachment's bytes go when its row goes (erasure, retention), once the delete commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Attachment


@receiver(post_delete, sender=Attachment)
def delete_attachment_file(sender: Any, instance: Attachment, **kwargs: Any) -> None:
    """Registry erasure deletes rows by query; the file in storage must not outlive them."""
    if instance.file:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))
