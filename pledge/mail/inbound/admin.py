"""Mail in, in the staff admin: each stored message with what it was, why and what was done.

Customer service reads the messages (support, bounces) and downloads one exactly as
received; the privacy officer works the data requests. Read-only but for closing a
data request, which goes through ``requests.close_data_request``. Registered from
``pledge/mail/admin.py``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from pledge.staff.masking import MaskedAdmin, access_for, sees
from pledge.staff.trail import record_staff_view

from .models import DataRequest, InboundMessage
from .requests import close_data_request

CONTENT = "user.content.private"


@admin.register(InboundMessage)
class InboundMessageAdmin(MaskedAdmin):
    list_display = ("received_at", "via", "kind", "reason", "action", "size", "processed_at")
    list_filter = ("kind", "via", "received_at")
    date_hierarchy = "received_at"
    ordering = ("-received_at", "-id")
    fieldsets = (
        ("Envelope", {"fields": ("received_at", "via", "mail_from", "recipients", "size")}),
        (
            "What it was and what was done",
            {"fields": ("kind", "reason", "action", "outbound", "person", "processed_at")},
        ),
        ("Processing", {"fields": ("attempts", "last_error", "digest")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundMessage]:
        # A list of messages never loads their bytes, which may be tens of megabytes.
        return super().get_queryset(request).defer("raw")

    @admin.display(description="the message as received")
    def download(self, inbound: InboundMessage) -> str:
        url = reverse("admin:mail_inboundmessage_raw", args=[inbound.pk])
        return format_html('<a href="{}">download ({} bytes)</a>', url, inbound.size)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if sees(access_for(request), CONTENT):
            fieldsets.append(("Message", {"fields": ("download",)}))
        return fieldsets

    def get_urls(self) -> list[URLPattern]:
        raw = path(
            "<int:pk>/raw/",
            self.admin_site.admin_view(self.raw_view),
            name="mail_inboundmessage_raw",
        )
        return [raw, *super().get_urls()]

    def raw_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The bytes exactly as received, as a .eml file; audited like a record view."""
        inbound = get_object_or_404(InboundMessage, pk=pk)
        access = access_for(request)
        if not self.has_view_permission(request, inbound) or not sees(access, CONTENT):
            raise PermissionDenied
        record_staff_view(
            request.user,
            access,
            page=f"inbound message #{pk}, downloaded",
            path=request.path,
            categories=[CONTENT, "user.contact.email"],
            subject_id=inbound.person_id,
        )
        response = HttpResponse(bytes(inbound.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{pk}.eml"'
        return response


@admin.register(DataRequest)
class DataRequestAdmin(MaskedAdmin):
    list_display = ("received_at", "status", "from_address", "subject", "why", "closed_at")
    list_filter = ("status", "received_at")
    ordering = ("status", "-received_at")
    fields = (
        "status",
        "received_at",
        "from_address",
        "person",
        "subject",
        "why",
        "inbound",
        "closed_at",
        "note",
    )
    actions = ["close"]  # type: ignore[assignment]  # the one change allowed here

    @admin.action(description="Close the selected requests (answered)", permissions=["change"])
    def close(self, request: HttpRequest, queryset: QuerySet[DataRequest]) -> None:
        closed = sum(close_data_request(each, staff=request.user) for each in queryset)
        self.message_user(request, f"{closed} request(s) closed.", messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only for the action: every field stays read-only (``fields`` above, MaskedAdmin).
        return request.user.has_perm("mail.change_datarequest") and obj is None
