"""Personal data in Django's own models, declared like ours (C1).

Sessions hold the signed-in person's id; the admin's log names the record it
changed. Both are reached through a ``rows`` function because neither has a
foreign key to the person.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session

from .registry import not_personal, personal_data


def sessions_of(person: Any) -> Any:
    """Sessions signed in as ``person``, expired or not (a session names no one in clear)."""
    keys = [
        s.session_key
        for s in Session.objects.all()
        if str(s.get_decoded().get("_auth_user_id")) == str(person.pk)
    ]
    return Session.objects.filter(session_key__in=keys)


def admin_log_about(person: Any) -> Any:
    content_type = ContentType.objects.get_for_model(get_user_model())
    return LogEntry.objects.filter(content_type=content_type, object_id=str(person.pk))


def register_external_models() -> None:
    personal_data(
        subject="",
        point="cookies",
        fields={"session_data": "user.device.cookie_id"},
        version_field=None,
        rows=sessions_of,
    )(Session)
    personal_data(
        subject="",
        point="staff",
        fields={"object_repr": "user.name", "change_message": "user.name"},
        erasure="anonymise",
        retention="audit_trail",
        anonymised={"object_repr": "erased person", "change_message": ""},
        version_field=None,
        rows=admin_log_about,
    )(LogEntry)
    not_personal(object_id="the number of the changed record")(LogEntry)
    not_personal(name="a staff role's name, such as billing_clerk")(Group)
    not_personal(
        name="a permission's description, such as 'Can view person'",
        codename="a permission's code name",
    )(Permission)
    not_personal(name="a model's name")(ContentType)
