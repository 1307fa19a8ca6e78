"""People in the staff admin: read-only, masked by the viewer's categories (C20).

Nothing about a person is changed here: corrections, deactivation and erasure go
through the rights actions, roles through ``pledge.staff.roles``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from pledge.staff.masking import MaskedAdmin
from pledge.staff.roles import declared_roles, roles_of

from .models import Person


class VerifiedFilter(admin.SimpleListFilter):
    title = "verified"
    parameter_name = "verified"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "verified"), ("no", "not verified")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Person]) -> QuerySet[Person]:
        if self.value() == "yes":
            return queryset.filter(email_verified_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(email_verified_at__isnull=True)
        return queryset


class RoleFilter(admin.SimpleListFilter):
    """Staff by role, from the roles declared in the policy in force."""

    title = "staff role"
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, role["label"]) for key, role in declared_roles().items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Person]) -> QuerySet[Person]:
        if self.value() in declared_roles():
            return queryset.filter(groups__name=self.value())
        return queryset


@admin.register(Person)
class PersonAdmin(MaskedAdmin):
    list_display = ("name", "email", "status", "verified", "site", "date_joined")
    list_display_links = ("name", "email")
    list_filter = ("status", VerifiedFilter, "site", "is_staff", RoleFilter, "date_joined")
    search_fields = ("name", "email")
    ordering = ("-date_joined", "-id")
    fieldsets = (
        ("Person", {"fields": ("name", "email", "pending_email", "password_state")}),
        (
            "Status",
            {
                "fields": (
                    "status",
                    "email_verified_at",
                    "contact_opt_out_at",
                    "deactivated_at",
                    "erased_at",
                    "is_active",
                )
            },
        ),
        (
            "Where the data came from",
            {"fields": ("site", "collection_point", "collected_under", "date_joined")},
        ),
        ("Staff", {"fields": ("is_staff", "staff_roles", "last_login")}),
    )

    @admin.display(boolean=True, description="verified", ordering="email_verified_at")
    def verified(self, person: Person) -> bool:
        return person.email_verified_at is not None

    @admin.display(description="password")
    def password_state(self, person: Person) -> str:
        # Only whether one is set: the hash itself is never shown (C20).
        return "set" if person.has_usable_password() else "not set"

    @admin.display(description="roles")
    def staff_roles(self, person: Person) -> str:
        roles = declared_roles()
        return ", ".join(roles[key]["label"] for key in roles_of(person)) or "—"
