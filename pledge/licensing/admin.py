"""Registrations and their keys in the staff admin: billing revokes and re-issues (C20).

Who may open the pages and press the buttons is ``ROLE_PERMISSIONS`` in
``pledge.staff.roles`` (``revoke_registration``, ``reissue_registration``).
Pages are read-only, masked and audited like every page about people
(``MaskedAdmin``); the two buttons are forms that POST to one action each of
``ownership.py``, which audits it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from pledge.staff.masking import MaskedAdmin, MaskingMixin

from .models import LicenseKey, Registration
from .ownership import LicensingRefused, current_key, reissue_key, revoke_registration

REVOKE = "licensing.revoke_registration"
REISSUE = "licensing.reissue_registration"


class LicenseKeyInline(MaskingMixin, admin.TabularInline):
    """Every key of the registration, the current one first; none is edited here."""

    model = LicenseKey
    extra = 0
    can_delete = False
    fields = ("serial", "status", "issued_at", "expires_on", "kid", "ended_at", "ended_reason")
    readonly_fields = fields
    ordering = ("-issued_at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Registration)
class RegistrationAdmin(MaskedAdmin):
    """Who owns what, by which order, and each key issued; revoke and re-issue buttons."""

    list_display = ("registered_at", "person", "product", "order_ref", "line_ref", "status")
    list_select_related = ("person", "product")
    list_filter = ("status", "product")
    search_fields = ("order_ref", "=keys__serial")
    date_hierarchy = "registered_at"
    fieldsets = (
        (
            "Registration",
            {
                "fields": (
                    "person",
                    "product",
                    "order_ref",
                    "line_ref",
                    "entitlements",
                    "expires_on",
                )
            },
        ),
        ("State", {"fields": ("status", "registered_at", "revoked_at", "revoked_reason")}),
        ("Collected", {"fields": ("collection_point", "collected_under")}),
    )
    readonly_fields = (
        "person",
        "product",
        "order_ref",
        "line_ref",
        "entitlements",
        "expires_on",
        "status",
        "registered_at",
        "revoked_at",
        "revoked_reason",
        "collection_point",
        "collected_under",
    )
    inlines = [LicenseKeyInline]

    def get_urls(self) -> list[URLPattern]:
        def view(func: Callable[..., HttpResponse], name: str) -> URLPattern:
            return path(
                f"<int:pk>/{name}/",
                self.admin_site.admin_view(func),
                name=f"licensing_registration_{name}",
            )

        return [
            view(self.revoke_view, "revoke"),
            view(self.reissue_view, "reissue"),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None and obj.is_active:
            context["may_revoke"] = request.user.has_perm(REVOKE)
            context["may_reissue"] = request.user.has_perm(REISSUE)
            context["revoke_url"] = reverse("admin:licensing_registration_revoke", args=[obj.pk])
            context["reissue_url"] = reverse("admin:licensing_registration_reissue", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _registration(self, request: HttpRequest, pk: int, permission: str) -> Registration:
        registration = Registration.objects.select_related("product").filter(pk=pk).first()
        if registration is None:
            raise Http404("no such registration")
        if not (
            self.has_view_permission(request, registration) and request.user.has_perm(permission)
        ):
            raise PermissionDenied
        return registration

    def _back(self, registration: Registration) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:licensing_registration_change", args=[registration.pk])
        )

    @method_decorator(require_POST)
    def revoke_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        registration = self._registration(request, pk, REVOKE)
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(
                request, "Not revoked: say why (a refund, a chargeback, …).", messages.ERROR
            )
            return self._back(registration)
        if revoke_registration(registration, reason, by=request.user):
            self.message_user(
                request,
                "Revoked: the registration and its key. The owner is no longer a registered "
                "owner of the product.",
                messages.SUCCESS,
            )
        else:
            self.message_user(request, "It was revoked already: nothing changed.", messages.INFO)
        return self._back(registration)

    @method_decorator(require_POST)
    def reissue_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        registration = self._registration(request, pk, REISSUE)
        old = current_key(registration)
        try:
            new = reissue_key(registration, by=request.user, reason=request.POST.get("reason", ""))
        except LicensingRefused as refused:
            self.message_user(request, f"Not re-issued: {refused}.", messages.ERROR)
        else:
            replaced = (
                f" It replaces {old.serial}, which no longer verifies on record." if old else ""
            )
            self.message_user(request, f"New key {new.serial} issued.{replaced}", messages.SUCCESS)
        return self._back(registration)
