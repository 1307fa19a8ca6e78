"""Stripe's form encoding of nested parameters, decoded and checked.

Stripe's API takes ``application/x-www-form-urlencoded`` bodies (and query
strings) whose names carry the nesting in brackets:
``line_items[0][price_data][unit_amount]=500``, ``metadata[order]=17``,
``expand[]=payment_intent`` (the official SDK sends ``expand[0]=…``). The
checks below raise the same refusals as Stripe (``parameter_unknown``,
``parameter_missing``, ``parameter_invalid_integer``) naming the parameter in
the same bracket form, so an adapter bug shows the same message here as there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from sandbox_processor.errors import ApiError, invalid, missing

_NAME = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def decode(encoded: str) -> dict[str, Any]:
    """The nested dict (lists for numbered or ``[]`` keys) of a form-encoded body."""
    root: dict[str, Any] = {}
    for name, value in parse_qsl(encoded, keep_blank_values=True):
        match = _NAME.match(name)
        if not match:
            raise invalid(f"Invalid parameter name: {name}", param=name)
        keys = [match.group(1), *_SEGMENT.findall(match.group(2))]
        _insert(root, keys, value, name)
    return _listify(root)  # type: ignore[no-any-return]


def _insert(node: dict[str, Any], keys: list[str], value: str, name: str) -> None:
    for depth, key in enumerate(keys):
        if key == "":
            key = str(len(node))  # `expand[]=a&expand[]=b`: each one the next item
        last = depth == len(keys) - 1
        if last:
            if isinstance(node.get(key), dict):
                raise invalid(f"Invalid hash: {name} is also given as a hash", param=name)
            node[key] = value
        else:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                raise invalid(f"Invalid hash: {name}", param=name)
            node = child


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    items = {key: _listify(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


def path(*parts: str | int) -> str:
    """A parameter's name in bracket form: ``path("line_items", 0, "quantity")``."""
    head, *rest = parts
    return str(head) + "".join(f"[{part}]" for part in rest)


class Params:
    """One level of decoded parameters, with the parameter's name for messages."""

    def __init__(self, values: Any, name: str = "") -> None:
        if values == "":
            values = {}  # Stripe takes `metadata=` as "empty"
        if not isinstance(values, dict):
            raise invalid(f"Invalid object: {name}", param=name or None)
        self.values: dict[str, Any] = values
        self.name = name

    def _path(self, key: str | int) -> str:
        return f"{self.name}[{key}]" if self.name else str(key)

    def only(self, allowed: Iterable[str]) -> Params:
        """Refuse any key not in ``allowed``, as Stripe refuses unknown parameters."""
        allowed = set(allowed)
        for key in self.values:
            if key not in allowed:
                raise invalid(
                    f"Received unknown parameter: {self._path(key)}",
                    param=self._path(key),
                    code="parameter_unknown",
                )
        return self

    def has(self, key: str) -> bool:
        return key in self.values

    def text(self, key: str, *, required: bool = False, max_length: int = 5000) -> str | None:
        value = self.values.get(key)
        if value is None or value == "":
            if required:
                raise missing(self._path(key))
            return None
        if not isinstance(value, str):
            raise invalid(f"Invalid string: {self._path(key)}", param=self._path(key))
        if len(value) > max_length:
            raise invalid(
                f"Invalid string: {value[:20]}...; must be at most {max_length} characters",
                param=self._path(key),
                code="string_length_exceeded",
            )
        return value

    def integer(
        self, key: str, *, required: bool = False, minimum: int | None = None
    ) -> int | None:
        raw = self.text(key, required=required)
        if raw is None:
            return None
        try:
            value = int(raw, 10)
        except ValueError:
            raise invalid(
                f"Invalid integer: {raw}", param=self._path(key), code="parameter_invalid_integer"
            ) from None
        if minimum is not None and value < minimum:
            raise invalid(
                f"This value must be greater than or equal to {minimum}.",
                param=self._path(key),
                code="parameter_invalid_integer",
            )
        return value

    def child(self, key: str, *, required: bool = False) -> Params | None:
        if key not in self.values:
            if required:
                raise missing(self._path(key))
            return None
        return Params(self.values[key], self._path(key))

    def array(self, key: str, *, required: bool = False) -> list[Any]:
        value = self.values.get(key)
        if value in (None, ""):
            if required:
                raise missing(self._path(key))
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            raise invalid(f"Invalid array: {self._path(key)}", param=self._path(key))
        return value

    def metadata(self, key: str = "metadata") -> dict[str, str]:
        """Stripe's metadata rules: at most 50 keys of 40 characters, values of 500."""
        given = self.child(key)
        if given is None:
            return {}
        result: dict[str, str] = {}
        if len(given.values) > 50:
            raise invalid("Metadata can have at most 50 keys.", param=given.name)
        for name, value in given.values.items():
            if not isinstance(value, str):
                raise invalid(f"Invalid metadata value: {given._path(name)}", param=given.name)
            if len(name) > 40:
                raise invalid(
                    f"Metadata key {name[:40]}... is longer than 40 characters.", param=given.name
                )
            if len(value) > 500:
                raise invalid(
                    f"Metadata values can have up to 500 characters: {given._path(name)}",
                    param=given._path(name),
                )
            result[name] = value
        return result

    def expand(self) -> list[str]:
        return [str(item) for item in self.array("expand")]


__all__ = ["ApiError", "Params", "decode", "path"]
