"""The registry of every model field that holds personal data (C1, C20, C21).

Models declare their personal fields with ``@personal_data``; export, correction,
erasure and the leak scans read this registry, never a list kept by hand. Fields
that look personal but are not (a section heading, a product description) are
declared with ``@not_personal`` and a reason; a test walks every model and fails
on a field that looks personal and is neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from .declaration import taxonomy_keys

Erasure = Literal["delete", "anonymise", "keep"]
M = TypeVar("M")


@dataclass(frozen=True)
class PersonalModel:
    """How one model holds personal data.

    subject: the path from the row to the person it is about ("" when the row is the
        person; "person" for a foreign key).
    point: the collection point (a key of the declaration's collection_points).
    fields: field name -> data category.
    correctable: fields the person may correct themselves.
    erasure: what erasing the person does to the row: delete it, blank the personal
        fields and keep the rest (``anonymise``), or ``keep`` (named by a retention rule).
    retention: the declaration's retention rule that explains ``anonymise``/``keep``.
    version_field: the field holding the policy version the row was collected under.
    rows: for models that cannot name their person by a path (Django's sessions,
        the admin's log), a function person -> queryset of the rows about them.
    """

    model: type
    subject: str
    point: str
    fields: dict[str, str]
    correctable: tuple[str, ...] = ()
    erasure: Erasure = "delete"
    retention: str = ""
    version_field: str | None = "collected_under"
    anonymised: dict[str, Any] = field(default_factory=dict)
    rows: Callable[[Any], Any] | None = None

    def rows_about(self, person: Any) -> Any:
        """The rows of this model about ``person``."""
        if self.rows is not None:
            return self.rows(person)
        manager = self.model._default_manager  # type: ignore[attr-defined]
        if self.subject == "":
            return manager.filter(pk=person.pk)
        return manager.filter(**{self.subject: person})

    @property
    def label(self) -> str:
        return f"{self.model._meta.app_label}.{self.model.__name__}"  # type: ignore[attr-defined]


_personal: dict[type, PersonalModel] = {}
_not_personal: dict[type, dict[str, str]] = {}


def personal_data(
    *,
    subject: str,
    point: str,
    fields: dict[str, str],
    correctable: Iterable[str] = (),
    erasure: Erasure = "delete",
    retention: str = "",
    version_field: str | None = "collected_under",
    anonymised: dict[str, Any] | None = None,
    rows: Callable[[Any], Any] | None = None,
) -> Callable[[type[M]], type[M]]:
    """Class decorator declaring a model's personal fields and their categories."""

    def register(model: type[M]) -> type[M]:
        for name, category in fields.items():
            if category not in taxonomy_keys()["category"]:
                raise ValueError(f"{model.__name__}.{name}: unknown data category {category!r}")
        if erasure != "delete" and not retention:
            raise ValueError(f"{model.__name__}: erasure {erasure!r} needs a retention rule")
        _personal[model] = PersonalModel(
            model=model,
            subject=subject,
            point=point,
            fields=dict(fields),
            correctable=tuple(correctable),
            erasure=erasure,
            retention=retention,
            version_field=version_field,
            anonymised=anonymised or {},
            rows=rows,
        )
        return model

    return register


def not_personal(**reasons: str) -> Callable[[type[M]], type[M]]:
    """Class decorator: these fields look personal but hold no personal data; say why."""

    def register(model: type[M]) -> type[M]:
        _not_personal.setdefault(model, {}).update(reasons)
        return model

    return register


def personal_models() -> list[PersonalModel]:
    return sorted(_personal.values(), key=lambda p: p.label)


def declared_personal(model: type) -> PersonalModel | None:
    return _personal.get(model)


def declared_not_personal(model: type) -> dict[str, str]:
    return _not_personal.get(model, {})


def categories_of(model: type) -> set[str]:
    entry = _personal.get(model)
    return set(entry.fields.values()) if entry else set()
