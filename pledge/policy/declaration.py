"""The policy declaration: read, validate and normalise the vendor's YAML file.

The declaration is data, not prose. It names the organisation and its sites, the
data categories each collection point gathers, the purposes (data uses) each
category serves, the processors, cookies, retention rules, staff roles and the
wording of every section of the published statement. Category, use and subject
keys come from the Fides taxonomy, so an unknown key is an error that names the
key and the line it stands on.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import yaml
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from .statement import placeholder_errors

BASES = ("service", "consent", "legal")
COOKIE_KINDS = ("session", "persistent")
SECTION_TABLES = (
    "collection_points",
    "cookies",
    "log_fields",
    "processors",
    "purposes",
    "retention",
    "roles",
    "contact",
    "lists",
)


@cache
def taxonomy_keys() -> dict[str, frozenset[str]]:
    return {
        "category": frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category),
        "use": frozenset(u.fides_key for u in DEFAULT_TAXONOMY.data_use),
        "subject": frozenset(s.fides_key for s in DEFAULT_TAXONOMY.data_subject),
    }


class DeclarationError(ValueError):
    """The declaration file is wrong; the message names the key and the line."""

    def __init__(self, message: str, line: int | None = None, source: str = ""):
        self.line = line
        where = f"{source}:{line}: " if line else (f"{source}: " if source else "")
        super().__init__(f"{where}{message}")


class _Str(str):
    line: int


class _Map(dict[str, Any]):
    lines: dict[str, int]
    line: int


class _List(list[Any]):
    line: int


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that remembers the line of every mapping, key and string."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    result = _Map()
    result.lines = {}
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise DeclarationError(f"key {key!r} is given twice", key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _List:
    result = _List(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


def _construct_str(loader: _LineLoader, node: yaml.ScalarNode) -> _Str:
    result = _Str(loader.construct_scalar(node))
    result.line = node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def _line(value: Any, parent: Any = None, key: str | None = None) -> int | None:
    if isinstance(parent, _Map) and key is not None:
        return parent.lines.get(key, parent.line)
    return value.line if isinstance(value, _Str | _Map | _List) else None


@dataclass(frozen=True)
class Declaration:
    """A validated declaration: ``data`` is plain JSON-able dicts and lists."""

    data: dict[str, Any]
    source: str

    @property
    def digest(self) -> str:
        return digest(self.data)

    @property
    def purposes(self) -> dict[str, dict[str, Any]]:
        purposes: dict[str, dict[str, Any]] = self.data["purposes"]
        return purposes

    @property
    def sites(self) -> dict[str, dict[str, Any]]:
        sites: dict[str, dict[str, Any]] = self.data["sites"]
        return sites


def digest(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """Strip the line-number wrappers, leaving JSON-able data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, message: str, line: int | None) -> NoReturn:
        raise DeclarationError(message, line, self.source)

    def mapping(self, parent: Any, key: str, *, required: bool = True) -> _Map:
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            if required:
                self.fail(f"missing section {key!r}", _line(parent))
            empty = _Map()
            empty.lines, empty.line = {}, _line(parent) or 0
            return empty
        if not isinstance(value, _Map):  # the loader makes every mapping a _Map
            self.fail(f"{key!r} must be a mapping", _line(value, parent, key))
        return value

    def text(self, parent: _Map, key: str, *, required: bool = True, default: str = "") -> str:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(f"missing {key!r}", _line(parent))
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(f"{key!r} must be a non-empty text", _line(value, parent, key))
        return value

    def strings(self, parent: _Map, key: str, *, required: bool = True) -> list[str]:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(f"missing {key!r}", _line(parent))
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"{key!r} must be a list of texts", _line(value, parent, key))
        return value

    def taxonomy(self, kind: str, key: str, line: int | None) -> None:
        if key not in taxonomy_keys()[kind]:
            noun = {"category": "data category", "use": "data use", "subject": "data subject"}[kind]
            self.fail(f"unknown {noun} {key!r} (not in the Fides taxonomy)", line)

    def one_of(self, parent: _Map, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = parent.get(key, default)
        if not isinstance(value, str) or value not in allowed:
            self.fail(
                f"{key!r} must be one of {', '.join(allowed)}, not {value!r}",
                _line(value, parent, key),
            )
        return value


KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def parse(text: str, source: str = "<declaration>") -> Declaration:
    """Validate a declaration's YAML text; raise DeclarationError naming key and line."""
    try:
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise DeclarationError(f"not valid YAML: {exc.problem}", line, source) from None
    if not isinstance(raw, _Map):  # the loader makes every mapping a _Map
        raise DeclarationError("the declaration must be a mapping at the top level", 1, source)
    c = _Checker(source)
    known_top = {
        "organisation",
        "sites",
        "categories",
        "collection_points",
        "purposes",
        "processors",
        "cookies",
        "log_fields",
        "retention",
        "roles",
        "lists",
        "analytics",
        "sections",
    }
    for key in raw:
        if key not in known_top:
            c.fail(f"unknown section {key!r}", raw.lines[key])

    org = c.mapping(raw, "organisation")
    for key in ("name", "fax", "email", "support_email", "privacy_email"):
        c.text(org, key)

    sites = c.mapping(raw, "sites")
    if not sites:
        c.fail("at least one site is needed", sites.line)
    seen_hosts: dict[str, str] = {}
    for site_key, site in sites.items():
        if not KEY_RE.match(site_key):
            c.fail(
                f"site key {site_key!r} must be lower-case letters, digits, _",
                sites.lines[site_key],
            )
        c.text(site, "name")
        for host in c.strings(site, "hosts"):
            if host in seen_hosts:
                c.fail(f"host {host!r} belongs to site {seen_hosts[host]!r} already", _line(host))
            seen_hosts[host] = site_key

    categories = c.mapping(raw, "categories")
    for key, label in categories.items():
        c.taxonomy("category", key, categories.lines[key])
        if not isinstance(label, str):
            c.fail(f"category {key!r} needs a plain-words label", categories.lines[key])

    def check_categories(owner: _Map, key: str = "categories") -> list[str]:
        keys = c.strings(owner, key)
        for cat in keys:
            c.taxonomy("category", cat, _line(cat))
            if cat not in categories:
                c.fail(f"category {cat!r} is used but not listed under 'categories'", _line(cat))
        return keys

    points = c.mapping(raw, "collection_points")
    for point in points.values():
        c.text(point, "label")
        c.text(point, "description")
        subject = c.text(point, "subject")
        c.taxonomy("subject", subject, _line(subject))
        check_categories(point)
        for site_key in c.strings(point, "sites"):
            if site_key not in sites:
                c.fail(f"unknown site {site_key!r}", _line(site_key))

    purposes = c.mapping(raw, "purposes")
    for key, purpose in purposes.items():
        if not KEY_RE.match(key):
            c.fail(
                f"purpose key {key!r} must be lower-case letters, digits, _", purposes.lines[key]
            )
        c.text(purpose, "label")
        c.text(purpose, "description")
        use = c.text(purpose, "use")
        c.taxonomy("use", use, _line(use))
        c.one_of(purpose, "basis", BASES, "service")
        check_categories(purpose)
        if "contact" in purpose and not isinstance(purpose["contact"], bool):
            c.fail("'contact' must be true or false", purpose.lines["contact"])

    processors = c.mapping(raw, "processors", required=False)
    for proc in processors.values():
        c.text(proc, "name")
        c.text(proc, "role")
        check_categories(proc)
        for pkey in c.strings(proc, "purposes"):
            if pkey not in purposes:
                c.fail(f"unknown purpose {pkey!r}", _line(pkey))

    cookies = c.mapping(raw, "cookies")
    for name, cookie in cookies.items():
        kind = c.one_of(cookie, "kind", COOKIE_KINDS, "")
        c.text(cookie, "purpose")
        lifetime = cookie.get("lifetime_seconds")
        if kind == "persistent" and (not isinstance(lifetime, int) or lifetime <= 0):
            c.fail(
                f"persistent cookie {name!r} needs lifetime_seconds, a positive whole number",
                cookie.line,
            )
        if kind == "session" and lifetime is not None:
            c.fail(f"session cookie {name!r} has no lifetime", cookie.lines["lifetime_seconds"])

    log_fields = c.mapping(raw, "log_fields")
    for key in log_fields:
        if not isinstance(log_fields[key], str):
            c.fail(f"log field {key!r} needs a plain-words label", log_fields.lines[key])

    retention = c.mapping(raw, "retention")
    for rule in retention.values():
        c.text(rule, "what")
        c.text(rule, "keep")
        c.text(rule, "why")
        days = rule.get("days")
        if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
            c.fail("'days' must be a whole number of at least 1", rule.lines["days"])

    roles = c.mapping(raw, "roles")
    for key, role in roles.items():
        if not KEY_RE.match(key):
            c.fail(f"role key {key!r} must be lower-case letters, digits, _", roles.lines[key])
        c.text(role, "label")
        c.text(role, "job")
        check_categories(role)

    lists = c.mapping(raw, "lists", required=False)
    for mlist in lists.values():
        c.text(mlist, "label")
        pkey = c.text(mlist, "purpose")
        if pkey not in purposes:
            c.fail(f"unknown purpose {pkey!r}", _line(pkey))

    analytics = c.mapping(raw, "analytics", required=False)
    k = analytics.get("k_anonymity", 5)
    if not isinstance(k, int) or k < 2:
        c.fail(
            "k_anonymity must be a whole number of at least 2", analytics.lines.get("k_anonymity")
        )

    sections = raw.get("sections")
    if not isinstance(sections, _List) or not sections:
        c.fail("'sections' must be a non-empty list", raw.lines.get("sections"))
    section_keys: set[str] = set()
    for section in sections:
        if not isinstance(section, _Map):
            c.fail("each section must be a mapping", getattr(section, "line", sections.line))
        key = c.text(section, "key")
        if key in section_keys:
            c.fail(f"section {key!r} is given twice", _line(key))
        section_keys.add(key)
        c.text(section, "heading")
        c.text(section, "text", required=False)
        level = section.get("level", 2)
        if level not in (2, 3):
            c.fail("'level' must be 2 or 3", section.lines.get("level"))
        table = section.get("table")
        if table is not None and table not in SECTION_TABLES:
            c.fail(f"unknown table {table!r}; one of {', '.join(SECTION_TABLES)}", table.line)
        text = section.get("text") or ""
        for problem in placeholder_errors(text, raw):
            c.fail(f"section {key!r}: {problem}", getattr(text, "line", section.line))
        for clause in c.strings(section, "clauses", required=False):
            if not re.fullmatch(r"C([1-9]|1[0-9]|2[0-3])", clause):
                c.fail(f"unknown clause {clause!r}", _line(clause))

    data = _plain(raw)
    for purpose in data["purposes"].values():
        purpose.setdefault("basis", "service")
        purpose.setdefault("contact", False)
        purpose.setdefault("transactional", False)
    data.setdefault("processors", {})
    data.setdefault("lists", {})
    data.setdefault("analytics", {}).setdefault("k_anonymity", 5)
    for section in data["sections"]:
        section.setdefault("level", 2)
        section.setdefault("text", "")
        section.setdefault("clauses", [])
        section.setdefault("table", None)
    return Declaration(data=data, source=source)


def load(path: Path | str) -> Declaration:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeclarationError(
            f"cannot read the declaration: {exc.strerror}", None, str(path)
        ) from None
    return parse(text, source=str(path))
