"""Reports from the aggregates, with small cells suppressed (C7, C13).

A day's cell built from fewer than the declaration's ``analytics.k_anonymity``
distinct visitors is never shown, nor counted into a total over several days:
every report and export reads through ``report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
