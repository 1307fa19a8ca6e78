"""The published statement, generated from a policy version's declaration.

Every sentence shown comes from the declaration: its section wording with values
of the declaration filled in, and tables built from its data. Changing the
declaration changes the statement; they cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)(?::([a-z_]+))?\}")
SIMPLE_PLACEHOLDERS = (
    "org",
    "product",
    "sites",
    "fax",
    "email",
    "email_label",
    "support_email",
    "privacy_email",
)
BASIS_WORDS = {
    "service": "Needed for the service you asked for",
    "consent": "Only with your consent",
    "legal": "Required by law",
}


def join_words(words: list[str]) -> str:
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def placeholder_errors(text: str, data: dict[str, Any]) -> list[str]:
    """Placeholders in a section's text that the declaration cannot fill."""
    errors = []
    for name, arg in PLACEHOLDER_RE.findall(text):
        if name == "collects":
            if arg not in data.get("collection_points", {}):
                errors.append(f"{{collects:{arg}}} names no collection point")
        elif name not in SIMPLE_PLACEHOLDERS or arg:
            errors.append(f"unknown placeholder {{{name}{':' + arg if arg else ''}}}")
    return errors


class Tags(list[Any]):
    """A table cell holding several items, shown as tags."""

    is_tags = True


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]

    def __post_init__(self) -> None:
        self.rows = [[Tags(c) if isinstance(c, list) else c for c in row] for row in self.rows]


@dataclass
class Section:
    key: str
    heading: str
    level: int
    clauses: list[str]
    paragraphs: list[SafeString]
    table: Table | None = None
    children: list[Section] = field(default_factory=list)


class Statement:
    """A policy version's declaration, ready to render."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.org = data["organisation"]
        self.categories: dict[str, str] = data["categories"]

    def category_words(self, keys: list[str]) -> list[str]:
        return [self.categories.get(k, k) for k in keys]

    def site_names(self) -> str:
        return join_words([s["name"] for s in self.data["sites"].values()])

    def _value(self, name: str, arg: str) -> SafeString:
        org = self.org
        if name == "collects":
            point = self.data["collection_points"][arg]
            return escape(join_words(self.category_words(point["categories"])))
        if name in ("email", "support_email", "privacy_email"):
            address = org[name]
            return format_html('<a href="mailto:{}">{}</a>', address, address)
        values = {
            "org": org["name"],
            "product": org.get("product", ""),
            "sites": self.site_names(),
            "fax": org["fax"],
            "email_label": org.get("email_label", org["email"]),
        }
        return escape(values[name])

    def fill(self, text: str) -> list[SafeString]:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        result = []
        for paragraph in paragraphs:
            parts: list[str] = []
            last = 0
            for match in PLACEHOLDER_RE.finditer(paragraph):
                parts.append(escape(paragraph[last : match.start()]))
                parts.append(self._value(match.group(1), match.group(2) or ""))
                last = match.end()
            parts.append(escape(paragraph[last:]))
            result.append(mark_safe(" ".join("".join(parts).split())))  # noqa: S308 - all parts escaped
        return result

    # Tables -------------------------------------------------------------------

    def purposes_using(self, categories: list[str]) -> list[str]:
        wanted = set(categories)
        return [p["label"] for p in self.data["purposes"].values() if wanted & set(p["categories"])]

    def table(self, name: str | None) -> Table | None:
        if name is None:
            return None
        build: Callable[[], Table] = getattr(self, f"table_{name}")
        return build()

    def table_collection_points(self) -> Table:
        sites = self.data["sites"]
        return Table(
            ["Where", "What we collect", "Used for", "On"],
            [
                [
                    p["label"],
                    self.category_words(p["categories"]),
                    ", ".join(self.purposes_using(p["categories"])),
                    join_words([sites[s]["name"] for s in p["sites"]]),
                ]
                for p in self.data["collection_points"].values()
            ],
        )

    def table_cookies(self) -> Table:
        return Table(
            ["Cookie", "Kind", "Lifetime", "Why"],
            [
                [name, c["kind"], lifetime_words(c.get("lifetime_seconds")), c["purpose"]]
                for name, c in self.data["cookies"].items()
            ],
        )

    def table_log_fields(self) -> Table:
        return Table(
            ["Recorded in the log"], [[label] for label in self.data["log_fields"].values()]
        )

    def table_processors(self) -> Table:
        purposes = self.data["purposes"]
        return Table(
            ["Processor", "What it does", "Receives", "Only for"],
            [
                [
                    p["name"],
                    p["role"],
                    self.category_words(p["categories"]),
                    ", ".join(purposes[k]["label"] for k in p["purposes"]),
                ]
                for p in self.data["processors"].values()
            ],
        )

    def table_purposes(self) -> Table:
        return Table(
            ["Purpose", "Data used", "Basis"],
            [
                [p["label"], self.category_words(p["categories"]), BASIS_WORDS[p["basis"]]]
                for p in self.data["purposes"].values()
            ],
        )

    def table_retention(self) -> Table:
        return Table(
            ["What we keep", "How long", "Why"],
            [[r["what"], r["keep"], r["why"]] for r in self.data["retention"].values()],
        )

    def table_roles(self) -> Table:
        return Table(
            ["Staff role", "Job", "May see"],
            [
                [r["label"], r["job"], self.category_words(r["categories"]) or ["no personal data"]]
                for r in self.data["roles"].values()
            ],
        )

    def table_lists(self) -> Table:
        purposes = self.data["purposes"]
        return Table(
            ["Mailing list", "What you receive", "Who may join"],
            [
                [
                    m["label"],
                    purposes[m["purpose"]]["description"],
                    "Registered owners of the product"
                    if m.get("owners_only")
                    else "Anyone who opts in",
                ]
                for m in self.data["lists"].values()
            ],
        )

    def table_contact(self) -> Table:
        org = self.org
        return Table(
            ["", ""],
            [
                ["Fax", org["fax"]],
                [
                    "Email",
                    format_html(
                        '{} — <a href="mailto:{}">{}</a>',
                        org.get("email_label", ""),
                        org["email"],
                        org["email"],
                    ),
                ],
                [
                    "Customer support",
                    format_html(
                        '<a href="mailto:{}">{}</a>', org["support_email"], org["support_email"]
                    ),
                ],
                [
                    "Privacy questions",
                    format_html(
                        '<a href="mailto:{}">{}</a>', org["privacy_email"], org["privacy_email"]
                    ),
                ],
            ],
        )

    def sections(self) -> list[Section]:
        """Sections as a tree: level-3 sections sit under the level-2 before them."""
        tree: list[Section] = []
        for raw in self.data["sections"]:
            section = Section(
                key=raw["key"],
                heading=raw["heading"],
                level=raw["level"],
                clauses=raw["clauses"],
                paragraphs=self.fill(raw["text"]),
                table=self.table(raw["table"]),
            )
            if section.level == 3 and tree:
                tree[-1].children.append(section)
            else:
                tree.append(section)
        return tree


def lifetime_words(seconds: int | None) -> str:
    if not seconds:
        return "Until you close the browser"
    days = seconds // 86400
    if days >= 365 and days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years > 1 else ''}"
    if days >= 1:
        return f"{days} day{'s' if days > 1 else ''}"
    hours = max(1, seconds // 3600)
    return f"{hours} hour{'s' if hours > 1 else ''}"
