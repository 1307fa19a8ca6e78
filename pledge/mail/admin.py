"""The outbox in the staff admin: read-only, masked by the viewer's categories (C20).

Staff read it to answer "did this person get that mail, and if not, why?". Mail
is written and sent only by the outbox and its worker, never from here. Beside it,
the destination domains backing off (issue 7): which providers refuse mail for now,
since when, until when, and how much mail waits for each; a "Try now" button (the
``mail.retry_domainbackoff`` permission) ends a domain's wait through
``backoff.try_domain_now``, which audits it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, QuerySet, Value
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.timesince import timeuntil
from django.views.decorators.http import require_POST

from pledge.staff.masking import MaskedAdmin, MaskingMixin, access_for, sees

from .backoff import try_domain_now
from .models import DomainBackoff, MessageEvent, OutboundMessage

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

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # The way to the domains backing off, with how many there are, for those who may see it.
        extra = dict(extra_context or {})
        if request.user.has_perm(VIEW_BACKOFFS):
            extra["backoffs_url"] = reverse("admin:mail_domainbackoff_changelist")
            extra["backoffs"] = DomainBackoff.objects.count()
        return super().changelist_view(request, extra)


VIEW_BACKOFFS = "mail.view_domainbackoff"
RETRY_BACKOFFS = "mail.retry_domainbackoff"

# What a 4xx reply code means (RFC 5321, section 4.2.3): the server's own text is
# not kept with the domain, since it often quotes the recipient's address.
REPLY_CODES = {
    421: "service not available",
    450: "mailbox unavailable",
    451: "local error in processing",
    452: "insufficient storage",
}

# The domains holding up the most mail first, then the newest waits.
BACKOFF_ORDER = ["-waiting", "-since", "domain"]


class BackoffChangeList(ChangeList):
    """Django's change list, told the default order: its column headers show it."""

    def _get_default_ordering(self) -> list[str]:
        # The admin reads ``ModelAdmin.ordering`` here, which its checks limit to
        # model fields; ``waiting`` is an annotation.
        return BACKOFF_ORDER


def _when(at: datetime) -> str:
    """A time as the deferred messages' history writes it (in the site's time zone)."""
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")


def duration(seconds: int) -> str:
    """A setting's seconds in words: "1 minute", "2 hours", "90 seconds"."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


@admin.register(DomainBackoff)
class DomainBackoffAdmin(admin.ModelAdmin):
    """The destination domains backing off, the most mail held up first; read-only.

    A domain here answered a temporary failure and is left alone until its next try
    (``delivery.back_off``). Whoever sees the outbox sees this list; only a holder of
    ``mail.retry_domainbackoff`` gets the "Try now" buttons, which POST to
    ``try_now_view``. The rows change only through the worker and that action.
    """

    actions = None
    list_display = (
        "domain",
        "waiting_since",
        "next_try",
        "last_reply",
        "failures_in_a_row",
        "waiting_shown",
        "try_now",
    )
    list_display_links = None
    fields = ("domain", "since", "until", "failures", "last_code")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[DomainBackoff]:
        # The list of a domain's waiting messages filters the outbox by recipient
        # domain, a personal field: linked only for a viewer who sees addresses (C20).
        # Said on each row, since a display method is handed the row, not the request.
        links = sees(access_for(request), "user.contact.email")
        # Not the admin's own queryset: it orders by ``waiting`` before it is annotated.
        rows = DomainBackoff.objects.with_waiting().annotate(
            links_messages=Value(links, output_field=BooleanField())
        )
        return rows.order_by(*self.get_ordering(request))

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return BACKOFF_ORDER

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return BackoffChangeList

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = list(super().get_list_display(request))
        return shown if request.user.has_perm(RETRY_BACKOFFS) else shown[:-1]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        context = {
            "title": "Domains backing off",
            "first_wait": duration(settings.MAIL_DOMAIN_BACKOFF_SECONDS),
            "longest_wait": duration(settings.MAIL_DOMAIN_BACKOFF_MAX_SECONDS),
            "may_retry": request.user.has_perm(RETRY_BACKOFFS),
            "time_zone": timezone.get_current_timezone_name(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    @admin.display(description="waiting since", ordering="since")
    def waiting_since(self, backoff: DomainBackoff) -> str:
        return _when(backoff.since)

    @admin.display(description="next try", ordering="until")
    def next_try(self, backoff: DomainBackoff) -> str:
        left = backoff.until - timezone.now()
        if left <= timedelta(0):
            return "at the worker's next pass"
        at = _when(backoff.until)
        when = "under a minute" if left < timedelta(minutes=1) else timeuntil(backoff.until)
        return format_html('{}<br><span class="quiet">in {}</span>', at, when)

    @admin.display(description="last reply")
    def last_reply(self, backoff: DomainBackoff) -> str:
        if not backoff.last_code:
            return "—"
        meaning = REPLY_CODES.get(backoff.last_code, "temporary failure")
        return format_html('{}<br><span class="quiet">{}</span>', backoff.last_code, meaning)

    @admin.display(description="failures in a row", ordering="failures")
    def failures_in_a_row(self, backoff: DomainBackoff) -> int:
        return backoff.failures

    @admin.display(description="messages waiting", ordering="waiting")
    def waiting_shown(self, backoff: DomainBackoff) -> str:
        waiting: int = backoff.waiting  # type: ignore[attr-defined]
        if not waiting or not backoff.links_messages:  # type: ignore[attr-defined]
            return str(waiting)
        query = urlencode({"recipient_domain": backoff.domain, "status__exact": "queued"})
        url = reverse("admin:mail_outboundmessage_changelist")
        return format_html('<a href="{}?{}">{}</a>', url, query, waiting)

    @admin.display(description="")
    def try_now(self, backoff: DomainBackoff) -> str:
        if backoff.until <= timezone.now():
            return "—"
        # The change list is one form already (forms do not nest): the button posts
        # it, with its CSRF token, to this domain's action.
        url = reverse("admin:mail_domainbackoff_try_now", args=[backoff.pk])
        return format_html(
            '<button type="submit" class="button" formaction="{}" aria-label="Try now: {}">'
            "Try now</button>",
            url,
            backoff.domain,
        )

    def get_urls(self) -> list[URLPattern]:
        try_now = path(
            "<int:pk>/try-now/",
            self.admin_site.admin_view(self.try_now_view),
            name="mail_domainbackoff_try_now",
        )
        return [try_now, *super().get_urls()]

    @method_decorator(require_POST)
    def try_now_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not (self.has_view_permission(request) and request.user.has_perm(RETRY_BACKOFFS)):
            raise PermissionDenied
        retry = try_domain_now(pk, by=request.user)
        if retry is None:
            self.message_user(
                request,
                "That domain is not waiting any more: nothing to do.",
                messages.INFO,
            )
        else:
            waiting = f"{retry.messages} queued message{'s' if retry.messages != 1 else ''}"
            self.message_user(
                request,
                f"Ended the wait of {retry.domain}: {waiting} will be tried at the "
                "worker's next pass.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:mail_domainbackoff_changelist"))


# Mail in: its admin pages live beside its code.
from .inbound import admin as inbound_admin  # noqa: E402, F401
