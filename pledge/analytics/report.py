"""Reports from the aggregates, with small cells suppressed (C7, C13).

A day's cell built from fewer than the declaration's ``analytics.k_anonymity``
distinct visitors is never shown, nor counted into a total over several days:
every report and export reads through ``report``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from pledge.policy.loaded import configured_declaration

from .ingest import DIMENSIONS
from .models import DailyCount


@dataclass(frozen=True)
class Row:
    value: str
    hits: int
    visitors: int


@dataclass(frozen=True)
class Report:
    """The rows shown, most hits first, and how many day cells were held back."""

    dimension: str
    rows: list[Row]
    suppressed: int


def k_anonymity() -> int:
    k: int = configured_declaration().data["analytics"]["k_anonymity"]
    return k


def report(site: str, day_from: date, day_to: date, dimension: str) -> Report:
    """One dimension of one site over ``day_from``..``day_to`` (inclusive).

    Visitors over several days are visitor-days: salts rotate daily, so the same
    person on two days cannot be, and is not, recognised.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; one of {', '.join(DIMENSIONS)}")
    k = k_anonymity()
    cells = DailyCount.objects.filter(
        site=site, dimension=dimension, day__gte=day_from, day__lte=day_to
    ).values_list("value", "hits", "visitors")
    totals: dict[str, list[int]] = {}
    suppressed = 0
    for value, hits, visitors in cells:
        if visitors < k:
            suppressed += 1
            continue
        total = totals.setdefault(value, [0, 0])
        total[0] += hits
        total[1] += visitors
    rows = [Row(value, hits, visitors) for value, (hits, visitors) in totals.items()]
    rows.sort(key=lambda r: (-r.hits, r.value))
    return Report(dimension=dimension, rows=rows, suppressed=suppressed)


def daily(sites: list[str], day_from: date, day_to: date, dimension: str) -> dict[date, Row]:
    """Per day, the dimension's value-less cell (``site``, ``visits``, ``bots``…) over
    ``sites``; a day whose cell on any site is under k is left out, not shown as zero."""
    k = k_anonymity()
    cells = DailyCount.objects.filter(
        site__in=sites, dimension=dimension, value="", day__gte=day_from, day__lte=day_to
    ).values_list("day", "hits", "visitors")
    totals: dict[date, Row] = {}
    hidden: set[date] = set()
    for day, hits, visitors in cells:
        if visitors < k:
            hidden.add(day)
            continue
        before = totals.get(day, Row("", 0, 0))
        totals[day] = Row("", before.hits + hits, before.visitors + visitors)
    return {day: row for day, row in totals.items() if day not in hidden}


def combined(sites: list[str], day_from: date, day_to: date, dimension: str) -> Report:
    """``report`` over several sites, values added up (each site's cells suppressed first)."""
    totals: dict[str, list[int]] = {}
    suppressed = 0
    for site in sites:
        one = report(site, day_from, day_to, dimension)
        suppressed += one.suppressed
        for row in one.rows:
            total = totals.setdefault(row.value, [0, 0])
            total[0] += row.hits
            total[1] += row.visitors
    rows = [Row(value, hits, visitors) for value, (hits, visitors) in totals.items()]
    rows.sort(key=lambda r: (-r.hits, r.value))
    return Report(dimension=dimension, rows=rows, suppressed=suppressed)


def export_cells(sites: list[str], day_from: date, day_to: date) -> Iterator[tuple[Any, ...]]:
    """Every shown day cell, for the CSV export: never one under k (C7, C13)."""
    yield ("site", "day", "dimension", "value", "hits", "visitors")
    cells = (
        DailyCount.objects.filter(
            site__in=sites, day__gte=day_from, day__lte=day_to, visitors__gte=k_anonymity()
        )
        .order_by("site", "day", "dimension", "-hits", "value")
        .values_list("site", "day", "dimension", "value", "hits", "visitors")
    )
    yield from cells.iterator(chunk_size=2000)
