"""Masking in the staff admin: staff see only the data categories their job needs (C20).

Which fields hold personal data, and of which category, is the registry's word
(``pledge.policy.registry``); which categories a member of staff may see is their
roles' word in the policy in force (``roles.py``). Wherever the admin would show a
personal field whose category the viewer lacks, ``MaskingMixin`` puts a display
that renders only "••• masked (category)": list columns, detail pages, inline
rows. The field also leaves search, filters, ordering and URL lookups, which would
otherwise tell its value by what they match, and it is never editable. The real
value never reaches the HTML.

``MaskedAdmin`` adds what a page about people needs: a label that names no one
the viewer may not see, and a row in the audit trail for every page that shows a
person's record or a list of people (``trail.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied
from django.db.models import Field, Model
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from pledge.policy.registry import declared_personal

from .roles import StaffAccess, access_of
from .trail import record_staff_view

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MASK = "••• masked"
# Categories no page shows, whatever the role: a password is only ever a hash, and
# card numbers never reach us (C3).
NEVER_SHOWN = frozenset({"user.authorization.password", "user.financial.credit_card"})
NAME = "user.name"


def masked(category: str) -> str:
    return f"{MASK} ({category})"


def access_for(request: HttpRequest) -> StaffAccess:
    """The viewer's roles and categories, read once per request."""
    cached = getattr(request, "_staff_access", None)
    if cached is None:
        cached = access_of(request.user)
        request._staff_access = cached  # type: ignore[attr-defined]
    return cached


def sees(access: StaffAccess | None, category: str) -> bool:
    return access is not None and category in access.categories and category not in NEVER_SHOWN


def _concrete(model: type[Model]) -> type[Model]:
    """The model whose table ``model`` reads: a proxy's concrete model, else itself."""
    concrete = model._meta.concrete_model
    assert concrete is not None  # only an abstract model has none
    return concrete


def registered_fields(model: type[Model]) -> dict[str, str]:
    """Field -> category, from the registry (a proxy model is its concrete model)."""
    entry = declared_personal(_concrete(model))
    return dict(entry.fields) if entry else {}


def lookup_category(model: type[Model], lookup: str) -> str | None:
    """The category a search, filter or ordering path reaches, or None if it is not personal.

    Follows relations (``person__email`` reaches the person's email). A path that
    ends on a person (``person``) counts as their name: a filter on it lists people
    by ``str(person)``.
    """
    person = get_user_model()._meta.concrete_model
    current = model
    for part in lookup.lstrip("^=@-").split(LOOKUP_SEP):
        fields = registered_fields(current)
        if part in fields:
            return fields[part]
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            break  # a transform or lookup (``__startswith``) of a field that is not personal
        if not field.is_relation or field.related_model is None:
            return None
        assert not isinstance(field.related_model, str)  # "self" is resolved when apps load
        current = _concrete(field.related_model)
    return NAME if current is person and current is not model._meta.concrete_model else None


def subject_of(obj: Any, path: str) -> int | None:
    """The id of the person a row is about, following the registry's subject path."""
    if path == "":
        return obj.pk
    *hops, last = path.split(LOOKUP_SEP)
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id")


def _mask_display(name: str, category: str, label: StrOrPromise) -> Callable[[Any], str]:
    def display(obj: Any) -> str:
        return format_html('<span class="masked">{}</span>', masked(category))

    display.__name__ = f"masked_{name}"
    return admin.display(description=label)(display)


def _person_display(fk: str, label: StrOrPromise, *, named: bool) -> Callable[[Any], str]:
    """A foreign key to a person, shown as its number, and the name only if seen.

    Never ``str(person)``: it falls back to the email address.
    """
    user_opts = get_user_model()._meta

    def display(obj: Any) -> str:
        person_id = getattr(obj, f"{fk}_id")
        if person_id is None:
            return "—"
        text = f"person #{person_id}"
        if named:
            name = getattr(obj, fk).name
            text = f"{name} · #{person_id}" if name else text
        try:
            url = reverse(
                f"admin:{user_opts.app_label}_{user_opts.model_name}_change", args=[person_id]
            )
        except NoReverseMatch:
            return text
        return format_html('<a href="{}">{}</a>', url, text)

    display.__name__ = f"{fk}_{'named' if named else 'number'}"
    return admin.display(description=label)(display)


def _map_fields(fields: Sequence[Any], shown: Callable[[Any], Any]) -> list[Any]:
    """Map each name of a fieldset's ``fields``, keeping same-line groups as tuples."""
    result: list[Any] = []
    for item in fields:
        if isinstance(item, (list, tuple)):
            result.append(tuple(shown(name) for name in item))
        else:
            result.append(shown(item))
    return result


class MaskingMixin:
    """Mask, for the viewer, every personal field whose category their job lacks.

    Works on a ModelAdmin and on an inline. Declare ``fieldsets`` or ``fields``:
    masking swaps names in them, so it must know what each page shows.

    personal_displays: display methods that show a personal field (say a body with
        its links cut), mapped to that field: masked with it, counted with it.
    """

    personal_displays: dict[str, str] = {}
    model: type[Model]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, category in self.personal_fields().items():
            setattr(self, f"masked_{name}", _mask_display(name, category, self._label(name)))
        for fk in self.person_fks():
            label = self._label(fk)
            setattr(self, f"{fk}_named", _person_display(fk, label, named=True))
            setattr(self, f"{fk}_number", _person_display(fk, label, named=False))

    def _label(self, name: str) -> StrOrPromise:
        field = self.model._meta.get_field(name)
        assert isinstance(field, Field)  # personal fields and links to a person are columns
        return capfirst(field.verbose_name)

    def personal_fields(self) -> dict[str, str]:
        return registered_fields(self.model)

    def person_fks(self) -> list[str]:
        person = get_user_model()._meta.concrete_model
        return [
            f.name
            for f in self.model._meta.get_fields()
            if f.many_to_one
            and f.concrete
            and f.related_model is not None
            and not isinstance(f.related_model, str)  # "self" is resolved when apps load
            and _concrete(f.related_model) is person
        ]

    def shown_as(self, request: HttpRequest, entry: Any) -> Any:
        """The name the page uses for ``entry``: itself, or its masked or safe stand-in."""
        if not isinstance(entry, str):
            return entry
        access = access_for(request)
        field = self.personal_displays.get(entry, entry)
        category = self.personal_fields().get(field)
        if category is not None and not sees(access, category):
            return f"masked_{field}"
        if entry in self.person_fks():
            return f"{entry}_named" if sees(access, NAME) else f"{entry}_number"
        return entry

    def categories_shown(self, names: Iterable[Any]) -> set[str]:
        """The categories a page shows unmasked, given the names it displays."""
        fields = self.personal_fields()
        fks = self.person_fks()
        shown = set()
        for name in names:
            if not isinstance(name, str):
                continue
            field = self.personal_displays.get(name, name)
            if field in fields:
                shown.add(fields[field])
            elif name.endswith("_named") and name.removesuffix("_named") in fks:
                shown.add(NAME)
        return shown

    def _masked(self, request: HttpRequest | None, lookup: str) -> bool:
        category = lookup_category(self.model, lookup)
        if category is None:
            return False
        return request is None or not sees(access_for(request), category)

    # Pages: names in lists and on detail pages.

    def get_list_display(self, request: HttpRequest) -> Any:
        return [self.shown_as(request, e) for e in super().get_list_display(request)]  # type: ignore[misc]

    def get_list_display_links(self, request: HttpRequest, list_display: Any) -> Any:
        links = super().get_list_display_links(request, list_display)  # type: ignore[misc]
        if links is None:
            return None
        return [self.shown_as(request, e) for e in links]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if not (getattr(self, "fieldsets", None) or getattr(self, "fields", None)):
            raise ImproperlyConfigured(
                f"{type(self).__name__}: declare fieldsets or fields, so masking knows what each page shows"
            )
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        return [
            (
                title,
                {
                    **options,
                    "fields": _map_fields(options["fields"], lambda n: self.shown_as(request, n)),
                },
            )
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = [self.shown_as(request, n) for n in super().get_readonly_fields(request, obj)]  # type: ignore[misc]
        # Stand-ins are displays, never form fields: a masked field cannot be edited.
        stand_ins = [f"masked_{f}" for f in self.personal_fields()]
        stand_ins += [f"{fk}_{kind}" for fk in self.person_fks() for kind in ("named", "number")]
        return list(dict.fromkeys([*readonly, *stand_ins]))

    # Search, filters, ordering, URL lookups: each would tell a masked value.

    def get_search_fields(self, request: HttpRequest) -> Any:
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            # Autocomplete answers with str(obj), which names people: not here.
            return []
        fields = super().get_search_fields(request)  # type: ignore[misc]
        return [f for f in fields if not self._masked(request, f)]

    def get_list_filter(self, request: HttpRequest) -> Any:
        kept = []
        for item in super().get_list_filter(request):  # type: ignore[misc]
            if isinstance(item, str):
                hidden = self._masked(request, item)
            elif isinstance(item, (list, tuple)):
                hidden = self._masked(request, item[0])
            else:
                category = getattr(item, "category", None)
                hidden = category is not None and not sees(access_for(request), category)
            if not hidden:
                kept.append(item)
        return kept

    def get_ordering(self, request: HttpRequest) -> Any:
        ordering = super().get_ordering(request) or ()  # type: ignore[misc]
        return [o for o in ordering if not (isinstance(o, str) and self._masked(request, o))]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if self._masked(request, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)  # type: ignore[misc]


class MaskedAdmin(MaskingMixin, admin.ModelAdmin):
    """A read-only admin for rows that hold personal data: masked, labelled, audited.

    Nobody adds, changes or deletes here; changes go through the actions that own
    them. Opening a row about a person (the registry's ``subject`` says which), or
    a list that shows people's data, writes a ``staff.view`` row to the audit
    trail (C20).
    """

    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def subject(self) -> str | None:
        entry = declared_personal(_concrete(self.model))
        return entry.subject if entry else None

    def object_label(self, request: HttpRequest, obj: Any) -> str:
        """``str(obj)`` only if the viewer sees every category the row holds."""
        access = access_for(request)
        categories = set(self.personal_fields().values()) - NEVER_SHOWN
        if self.person_fks():
            categories.add(NAME)
        if all(sees(access, c) for c in categories):
            return str(obj)
        return f"{self.model._meta.verbose_name} #{obj.pk}"

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None:
            label = self.object_label(request, obj)
            context["subtitle"] = context["object_label"] = label
            self._record_detail_view(request, obj, context)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _record_detail_view(self, request: HttpRequest, obj: Any, context: dict[str, Any]) -> None:
        path = self.subject()
        if path is None:
            return
        shown = self.categories_shown(flatten_fieldsets(context["adminform"].fieldsets))
        for inline in context.get("inline_admin_formsets", []):
            if isinstance(inline.opts, MaskingMixin) and len(inline.formset.forms):
                shown |= inline.opts.categories_shown(flatten_fieldsets(inline.fieldsets))
        record_staff_view(
            request.user,
            access_for(request),
            page=f"{self.model._meta.verbose_name} #{obj.pk}",
            path=request.path,
            categories=shown,
            subject_id=subject_of(obj, path),
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        path = self.subject()
        cl = getattr(response, "context_data", None) or {}
        cl = cl.get("cl") if isinstance(response, TemplateResponse) else None
        if path is None or cl is None or response.status_code != 200:
            return response
        shown = self.categories_shown(cl.list_display)
        rows = list(cl.result_list)
        if shown and rows:
            record_staff_view(
                request.user,
                access_for(request),
                page=f"{self.model._meta.verbose_name_plural} list, page {cl.page_num}",
                path=request.get_full_path(),
                categories=shown,
                subjects=[s for s in (subject_of(row, path) for row in rows) if s is not None],
            )
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """The audit trail is a person's history here; Django's own log is not kept for them."""
        path = self.subject()
        if path is None:
            return super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise PermissionDenied
        if not request.user.has_perm("policy.view_auditevent"):
            raise PermissionDenied
        url = reverse("admin:policy_auditevent_changelist")
        return HttpResponseRedirect(f"{url}?subject_id={subject_of(obj, path)}")
