"""The staff admin's site, its roles, and the policy's records (C20, C22, C12).

The policy app imports no other app, so the admins of its models live here, with
the masking they need. Everything here is read-only but the role memberships,
which change only through ``assign_role`` and ``remove_role``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypedDict

import django.contrib.auth.admin  # noqa: F401 - registers Group first, so we can replace it
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join

from pledge.policy.loaded import configured_declaration
from pledge.policy.models import AuditEvent, Consent, ConsentState, PolicyVersion
from pledge.policy.versions import NoPolicyPublished, current_version, describe

from .masking import MaskedAdmin, access_for, sees
from .models import Role
from .roles import ROLE_PERMISSIONS, RoleRefused, assign_role, declared_roles, remove_role
from .trail import record_staff_view

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Members(TypedDict):
        """What RoleAdmin.get_queryset annotates each role with."""

        members: int


def _declaration() -> dict[str, Any]:
    try:
        return current_version().declaration
    except NoPolicyPublished:
        return configured_declaration().data


def _site_title() -> str:
    return f"{_declaration()['organisation']['name']} — staff"


admin.site.site_header = "Pledge — staff"
admin.site.site_title = lazy(_site_title, str)()
admin.site.index_title = "What your role may see"
admin.site.unregister(Group)


def _pre(data: Any) -> str:
    return format_html(
        '<pre class="staff-json">{}</pre>', json.dumps(data, indent=2, ensure_ascii=False)
    )


# Roles


class RoleForm(forms.ModelForm):
    """Who holds a role: remove members, add one by address. Saved through the actions."""

    remove_members = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="members (tick to remove)"
    )
    add_member = forms.EmailField(required=False, label="add a person by email address")

    access: Any = None

    class Meta:
        model = Role
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = get_user_model().objects.filter(groups=self.instance).order_by("email")
        remove_members = self.fields["remove_members"]
        assert isinstance(remove_members, forms.MultipleChoiceField)
        remove_members.choices = [(str(p.pk), self._label(p)) for p in members]

    def _label(self, person: Any) -> str:
        parts = [person.name if sees(self.access, "user.name") else ""]
        parts.append(person.email if sees(self.access, "user.contact.email") else "")
        return " · ".join([p for p in parts if p] + [f"#{person.pk}"])

    def clean_add_member(self) -> Any:
        email = self.cleaned_data["add_member"]
        if not email:
            return None
        person = get_user_model().objects.filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError("No one has an account with this address.")
        if person.status != "active":
            raise forms.ValidationError(
                f"This account is {person.status}: only active people hold roles."
            )
        return person


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    """The declared roles, their jobs, categories and permissions, and who holds them."""

    form = RoleForm
    actions = None
    list_display = ("name", "label", "job", "categories", "member_count")
    fieldsets = (
        ("Role", {"fields": ("name", "label", "job", "categories", "permissions_table")}),
        ("Members", {"fields": ("remove_members", "add_member")}),
    )
    readonly_fields = ("name", "label", "job", "categories", "permissions_table")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Role]:
        return super().get_queryset(request).annotate(members=Count("user"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # roles come from the declaration: `pledge staff roles`

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"access": access_for(request)})

    def _role(self, role: Role) -> dict[str, Any]:
        return declared_roles().get(role.name, {})

    @admin.display(description="role")
    def label(self, role: Role) -> str:
        return self._role(role).get("label", "not declared: no permissions")

    @admin.display(description="job")
    def job(self, role: Role) -> str:
        return self._role(role).get("job", "—")

    @admin.display(description="data categories it sees")
    def categories(self, role: Role) -> str:
        return ", ".join(self._role(role).get("categories", [])) or "none"

    @admin.display(description="members", ordering="members")
    def member_count(self, role: WithAnnotations[Role, _Members]) -> int:
        return role.members

    @admin.display(description="may open")
    def permissions_table(self, role: Role) -> str:
        rows = ROLE_PERMISSIONS.get(role.name, {}) if role.name in declared_roles() else {}
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{}: {}</li>", ((label, ", ".join(verbs)) for label, verbs in rows.items())
            ),
        )

    def save_model(self, request: HttpRequest, obj: Role, form: RoleForm, change: bool) -> None:
        # The group itself never changes here; only who holds it, through the actions.
        people = get_user_model().objects
        try:
            for pk in form.cleaned_data["remove_members"]:
                remove_role(people.get(pk=pk), obj.name, by=request.user)
            if form.cleaned_data["add_member"] is not None:
                assign_role(form.cleaned_data["add_member"], obj.name, by=request.user)
        except RoleRefused as refused:
            # A group no longer declared, or an account deactivated meanwhile.
            self.message_user(request, str(refused), level="error")

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        # The members list names staff: a view of their records, audited (C20).
        access = access_for(request)
        shown = {c for c in ("user.name", "user.contact.email") if sees(access, c)}
        members = list(obj.user_set.values_list("pk", flat=True)) if obj else []
        if obj is not None and members and shown:
            record_staff_view(
                request.user,
                access,
                page=f"staff role {obj.name}",
                path=request.path,
                categories=shown,
                subjects=members,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


# The policy's records


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Published versions: read-only; `pledge policy publish` is the only way to add one."""

    actions = None
    list_display = ("number", "published_at", "published_by", "material", "digest")
    list_filter = ("material",)
    fields = (
        "number",
        "published_at",
        "published_by",
        "material",
        "digest",
        "what_changed",
        "declaration_data",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="what changed")
    def what_changed(self, version: PolicyVersion) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((line,) for line in describe(version.changes))),
        )

    @admin.display(description="declaration")
    def declaration_data(self, version: PolicyVersion) -> str:
        return _pre(version.declaration)


@admin.register(Consent)
class ConsentAdmin(MaskedAdmin):
    """Every grant and withdrawal, as it happened (append-only)."""

    list_display = (
        "at",
        "person",
        "purpose",
        "scope",
        "granted",
        "via",
        "collection_point",
        "site",
        "policy_version",
    )
    list_select_related = ("person", "policy_version")
    list_filter = ("purpose", "granted", "via", "site", "at")
    search_fields = ("=person__email", "person__name")
    date_hierarchy = "at"
    fields = (
        "person",
        "purpose",
        "scope",
        "granted",
        "at",
        "via",
        "collection_point",
        "site",
        "policy_version",
    )


@admin.register(ConsentState)
class ConsentStateAdmin(MaskedAdmin):
    """The standing answer per person and purpose: the latest consent row."""

    list_display = ("person", "purpose", "scope", "granted", "since", "policy_version")
    list_select_related = ("person", "policy_version")
    list_filter = ("purpose", "granted")
    search_fields = ("=person__email", "person__name")
    fields = ("person", "purpose", "scope", "granted", "since", "policy_version", "latest")


class ActorFilter(admin.SimpleListFilter):
    """Who acted: a member of staff, by account number, or the system."""

    title = "actor"
    parameter_name = "actor"
    SYSTEM = "system"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        staff = (
            AuditEvent.objects.filter(actor__is_staff=True)
            .order_by("actor_label")
            .values_list("actor_label", flat=True)
            .distinct()
        )
        return [(self.SYSTEM, "the system"), *((label, f"staff {label}") for label in staff)]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[AuditEvent]
    ) -> QuerySet[AuditEvent]:
        if self.value() == self.SYSTEM:
            return queryset.filter(actor_label="")
        if self.value():
            return queryset.filter(actor_label=self.value())
        return queryset


def _person_link(person_id: int | None) -> str:
    if person_id is None:
        return "—"
    url = reverse("admin:people_person_change", args=[person_id])
    return format_html('<a href="{}">#{}</a>', url, person_id)


@admin.register(AuditEvent)
class AuditEventAdmin(MaskedAdmin):
    """The trail of who did or saw what (C20, C12): append-only, for everyone.

    Nobody adds, changes or deletes a row here, superusers included; the model
    refuses it too (``Immutable``). People appear by account number only, as the
    trail names them; their record is one click, and one audited view, away.
    """

    list_display = ("at", "actor_ref", "action", "subject_ref", "categories_seen", "reason")
    list_filter = ("action", ActorFilter, "at")
    search_fields = ("action", "reason")
    date_hierarchy = "at"
    fields = (
        "at",
        "actor_ref",
        "action",
        "subject_ref",
        "categories_seen",
        "reason",
        "detail_data",
    )

    @admin.display(description="categories")
    def categories_seen(self, event: AuditEvent) -> str:
        return ", ".join(event.categories) or "—"

    @admin.display(description="actor", ordering="actor_label")
    def actor_ref(self, event: AuditEvent) -> str:
        return (
            _person_link(event.actor_id) if event.actor_id else (event.actor_label or "the system")
        )

    @admin.display(description="about person", ordering="subject_id")
    def subject_ref(self, event: AuditEvent) -> str:
        return _person_link(event.subject_id)

    @admin.display(description="detail")
    def detail_data(self, event: AuditEvent) -> str:
        return _pre(event.detail)
