"""The outbox in the staff admin: read-only, masked by the viewer's categories (C20).

Staff read it to answer "did this person get that mail, and if not, why?". Mail
is written and sent only by the outbox and its worker, never from here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.contrib import admin
from django.http import HttpRequest

from pledge.staff.masking import MaskedAdmin, MaskingMixin

from .models import MessageEvent, OutboundMessage

URL_RE = re.compile(r"https?://[^\s<>\"']+")


def withhold_links(text: str) -> str:
    """Cut every link down to its site: links in our mail carry signed tokens that
    act for the recipient (manage my data, unsubscribe), which staff must not hold."""

    def cut(match: re.Match[str]) -> str:
        parts = urlsplit(match.group(0))
        return f"{parts.scheme}://{parts.netloc}/… [link withheld]"

    return URL_RE.sub(cut, text)


class MessageEventInline(MaskingMixin, admin.TabularInline):
    model = MessageEvent
    fields = ("kind", "at", "attempt", "detail")
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = "history"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(MaskedAdmin):
    list_display = ("created_at", "status", "purpose", "to_address", "subject", "reason", "sent_at")
    list_filter = ("status", "purpose", "site", "created_at")
    search_fields = ("subject", "to_address", "purpose")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    personal_displays = {"body": "body_text"}
    inlines = (MessageEventInline,)
    fieldsets = (
        (
            "Message",
            {
                "fields": (
                    "status",
                    "purpose",
                    "scope",
                    "site",
                    "template",
                    "list_key",
                    "person",
                    "to_address",
                    "to_name",
                    "subject",
                )
            },
        ),
        (
            "Delivery",
            {
                "fields": (
                    "created_at",
                    "next_attempt_at",
                    "attempts",
                    "sent_at",
                    "reason",
                    "last_error",
                )
            },
        ),
        ("Body", {"fields": ("body",)}),
    )

    @admin.display(description="body (text part)")
    def body(self, message: OutboundMessage) -> str:
        return withhold_links(message.body_text)


# Mail in: its admin pages live beside its code.
from .inbound import admin as inbound_admin  # noqa: E402, F401
