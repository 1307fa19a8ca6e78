"""Storing a day's counted cells, adding to what earlier ingests stored (C7, C13).

A cell's ``visitors`` is the number of distinct visitors behind it. A later ingest
of the same day (a grown log, the other site's log) must not count a visitor twice,
so the day's (cell, visitor hash) pairs are kept beside the counts, compressed, and
deleted with the day's salt within 48 hours (``visitors.purge_salts``).
"""

from __future__ import annotations

import io
from datetime import date

import polars as pl
from django.db import connection

from .models import CountedVisitors, DailyCount

CELL = ["dimension", "value"]
VALUE_LENGTH = 500


def store_day(site: str, day: date, marks: pl.DataFrame) -> None:
    """Add one ingest's ``marks`` (dimension, value, visitor, hits) to the day's cells.

    Hits add up; visitors add only those not already counted in the cell. Existing
    cells are incremented in SQL and new ones inserted with ``executemany``: the ORM's
    bulk methods cost more than the rest of the ingest together.
    """
    marks = marks.with_columns(pl.col("value").str.slice(0, VALUE_LENGTH))
    pairs = marks.select(*CELL, "visitor").unique()
    stored = CountedVisitors.objects.filter(site=site, day=day).first()
    if stored is not None:
        before = pl.read_ipc(io.BytesIO(bytes(stored.marks)))
        pairs = pairs.join(before, on=[*CELL, "visitor"], how="anti")
        kept = pl.concat([before, pairs])
    else:
        kept = pairs
    cells = (
        marks.group_by(CELL)
        .agg(hits=pl.col("hits").sum())
        .join(pairs.group_by(CELL).agg(visitors=pl.len()), on=CELL, how="left")
        .with_columns(pl.col("visitors").fill_null(0))
    )
    existing = dict(
        ((dimension, value), pk)
        for dimension, value, pk in DailyCount.objects.filter(site=site, day=day).values_list(
            "dimension", "value", "pk"
        )
    )
    increments, inserts = [], []
    for dimension, value, hits, visitors in cells.iter_rows():
        pk = existing.get((dimension, value))
        if pk is None:
            inserts.append((site, day.isoformat(), dimension, value, hits, visitors))
        else:
            increments.append((hits, visitors, pk))
    ops = connection.ops
    counts = ops.quote_name(DailyCount._meta.db_table)
    with connection.cursor() as cursor:
        if increments:
            cursor.executemany(
                f"UPDATE {counts} SET hits = hits + %s, visitors = visitors + %s "  # noqa: S608 - our table
                "WHERE id = %s",
                increments,
            )
        if inserts:
            cursor.executemany(
                f"INSERT INTO {counts} (site, day, dimension, value, hits, visitors) "  # noqa: S608 - our table
                "VALUES (%s, %s, %s, %s, %s, %s)",
                inserts,
            )
    packed = io.BytesIO()
    kept.write_ipc(packed, compression="zstd")
    CountedVisitors.objects.update_or_create(
        site=site, day=day, defaults={"marks": packed.getvalue()}
    )


def read_marks(stored: CountedVisitors) -> pl.DataFrame:
    """The (dimension, value, visitor) pairs kept for one site's day."""
    return pl.read_ipc(io.BytesIO(bytes(stored.marks)))
