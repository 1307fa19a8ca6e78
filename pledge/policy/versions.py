"""Publishing the declaration as an immutable policy version, and what changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .audit import record_audit
from .declaration import Declaration
from .models import PolicyVersion


@dataclass(frozen=True)
class PublishResult:
    version: PolicyVersion
    created: bool
    changes: dict[str, Any]


def _uses_by_category(data: dict[str, Any]) -> dict[str, set[str]]:
    uses: dict[str, set[str]] = {}
    for key, purpose in data["purposes"].items():
        for category in purpose["categories"]:
            uses.setdefault(category, set()).add(key)
    return uses


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """What a new declaration changes against the old one, in a privacy officer's terms.

    ``new_uses`` lists (category, purpose) pairs that existing data would newly serve:
    these need the person's notice and choice (C22).
    """
    if old is None:
        return {"first": True}
    old_uses, new_uses = _uses_by_category(old), _uses_by_category(new)
    added_uses = {
        cat: sorted(new_uses[cat] - old_uses.get(cat, set()))
        for cat in new_uses
        if new_uses[cat] - old_uses.get(cat, set())
    }
    dropped_uses = {
        cat: sorted(old_uses[cat] - new_uses.get(cat, set()))
        for cat in old_uses
        if old_uses[cat] - new_uses.get(cat, set())
    }

    def keys_diff(name: str) -> tuple[list[str], list[str]]:
        a, b = set(old.get(name, {})), set(new.get(name, {}))
        return sorted(b - a), sorted(a - b)

    new_processors, dropped_processors = keys_diff("processors")
    changed_processors = sorted(
        key
        for key in set(old.get("processors", {})) & set(new.get("processors", {}))
        if old["processors"][key]["categories"] != new["processors"][key]["categories"]
    )
    new_cookies, dropped_cookies = keys_diff("cookies")
    new_points, dropped_points = keys_diff("collection_points")
    old_sections = {s["key"]: s for s in old["sections"]}
    reworded = sorted(
        s["key"]
        for s in new["sections"]
        if s["key"] not in old_sections
        or (s["heading"], s["text"])
        != (old_sections[s["key"]]["heading"], old_sections[s["key"]]["text"])
    )
    changes: dict[str, Any] = {
        "new_uses": added_uses,
        "dropped_uses": dropped_uses,
        "new_processors": new_processors,
        "dropped_processors": dropped_processors,
        "changed_processors": changed_processors,
        "new_cookies": new_cookies,
        "dropped_cookies": dropped_cookies,
        "new_collection_points": new_points,
        "dropped_collection_points": dropped_points,
        "reworded_sections": reworded,
    }
    return {k: v for k, v in changes.items() if v}


def is_material(changes: dict[str, Any]) -> bool:
    """A change in practice, not only in wording, gets a prominent notice (C22)."""
    return any(key != "reworded_sections" for key in changes) and not changes.get("first")


def describe(changes: dict[str, Any], labels: dict[str, dict[str, str]] | None = None) -> list[str]:
    """Plain sentences for a change set, for the command line and the history page."""
    if changes.get("first"):
        return ["First published version."]
    lines: list[str] = []
    for cat, purposes in changes.get("new_uses", {}).items():
        lines.append(f"{cat}: newly used for {', '.join(purposes)}")
    for cat, purposes in changes.get("dropped_uses", {}).items():
        lines.append(f"{cat}: no longer used for {', '.join(purposes)}")
    for key, verb in (
        ("new_processors", "new processor"),
        ("dropped_processors", "processor removed"),
        ("changed_processors", "processor receives other data"),
        ("new_cookies", "new cookie"),
        ("dropped_cookies", "cookie removed"),
        ("new_collection_points", "new collection point"),
        ("dropped_collection_points", "collection point removed"),
        ("reworded_sections", "section reworded"),
    ):
        for item in changes.get(key, []):
            lines.append(f"{verb}: {item}")
    return lines or ["No change."]


def publish_version(declaration: Declaration, *, by: str = "") -> PublishResult:
    """Make the declaration the policy in force, unless it is already.

    Publishing an unchanged declaration creates nothing and returns the current
    version. Locks the version table's newest row so two publishers cannot both
    take the next number.
    """
    with transaction.atomic():
        current = PolicyVersion.objects.select_for_update().order_by("-number").first()
        if current is not None and current.digest == declaration.digest:
            return PublishResult(current, False, {})
        changes = diff(current.declaration if current else None, declaration.data)
        version = PolicyVersion.objects.create(
            number=(current.number + 1) if current else 1,
            published_at=timezone.now(),
            published_by=by,
            digest=declaration.digest,
            declaration_text=json.dumps(declaration.data, ensure_ascii=False),
            changes=changes,
            material=is_material(changes),
        )
        record_audit(
            "policy.publish",
            reason=f"version {version.number}",
            detail={"version": version.number, "changes": changes},
        )
    return PublishResult(version, True, changes)


def current_version() -> PolicyVersion:
    version = PolicyVersion.objects.current()
    if version is None:
        raise NoPolicyPublished()
    return version


class NoPolicyPublished(RuntimeError):
    def __init__(self) -> None:
        super().__init__("No policy version is published yet: run `pledge policy publish` first.")
