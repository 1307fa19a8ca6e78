"""Counting access logs into daily aggregates, each file once (C7, C13).

A file is read in batches; lines are sorted within a window (real logs are out of
order by up to about 30 s) before visits are cut at 30 minutes without a request.
IP addresses and user agents live only in memory: they are enriched (country, ISP,
browser, platform), hashed with the day's salt into a visitor, and forgotten. Only
counts are stored, each with the number of distinct visitors behind it.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from django.db import connection, transaction

from pledge.policy.loaded import configured_declaration

from .enrichment import Agent, Enricher, Network
from .logformat import (
    LineParser,
    Malformed,
    Request,
    is_gzip,
    open_log,
    read_batches,
    referrer_host,
)
from .models import CellVisitor, DailyCount, LogCheckpoint
from .visitors import purge_salts, salt_for, visitor_hash

VISIT_GAP = 30 * 60
# Lines are held this long (in log time) before being counted, to sort them.
SORT_WINDOW = 120
# More page views than this from one visitor in a day is a program, not a person.
MAX_PAGE_VIEWS = 1000
NOT_A_PAGE = re.compile(
    r"\.(css|js|mjs|map|png|jpe?g|gif|ico|svg|webp|avif|bmp|woff2?|ttf|otf|eot|"
    r"xml|txt|json|zip|gz|tgz|bz2|xz|pdf|mp3|mp4|webm|ogg|wav|swf|exe|dmg|iso|rss|atom)$",
    re.IGNORECASE,
)
DIMENSIONS = (
    "site",
    "visits",
    "page",
    "entry",
    "exit",
    "referrer",
    "transition",
    "browser",
    "platform",
    "country",
    "isp",
    "bots",
)

Cell = tuple[str, str]


@dataclass(slots=True)
class _Visitor:
    agent: Agent
    network: Network
    requests: int = 0
    page_views: int = 0
    robots: bool = False
    last_epoch: int = -(10**12)
    last_path: str = ""
    cells: dict[Cell, int] = field(default_factory=dict)

    def add(self, cell: Cell, n: int = 1) -> None:
        self.cells[cell] = self.cells.get(cell, 0) + n

    def end_visit(self) -> None:
        if self.last_path:
            self.add(("exit", self.last_path))

    def is_bot(self) -> bool:
        return (
            self.agent.bot
            or self.network.datacenter
            or self.robots
            or self.page_views > MAX_PAGE_VIEWS
        )


@dataclass
class IngestResult:
    """What one file gave: lines read, requests counted, and what was set aside."""

    path: str
    lines: int = 0
    requests: int = 0
    page_views: int = 0
    bot_requests: int = 0
    started_at: int = 0
    fresh: bool = True
    malformed: Malformed = field(default_factory=Malformed)
    days: set[date] = field(default_factory=set)


def site_by_host() -> tuple[dict[str, str], str]:
    sites = configured_declaration().sites
    hosts = {host.lower(): key for key, site in sites.items() for host in site.get("hosts", [])}
    return hosts, next(iter(sites))


class _Counter:
    """Turns sorted requests into per-visitor tallies, and closed days into cells."""

    def __init__(self, default_site: str, result: IngestResult) -> None:
        self.hosts, first = site_by_host()
        self.default_site = default_site or first
        self.result = result
        self.enricher = Enricher()
        self.visitors: dict[tuple[str, date, str, str], _Visitor] = {}
        self.own_hosts = set(self.hosts)
        self.days: dict[int, date] = {}

    def count(self, request: Request) -> None:
        site = (
            self.hosts.get(request.vhost, self.default_site) if request.vhost else self.default_site
        )
        day = self.days.get(request.epoch // 86400)
        if day is None:
            day = self.days[request.epoch // 86400] = _day_of(request.epoch)
        key = (site, day, request.ip, request.user_agent)
        visitor = self.visitors.get(key)
        if visitor is None:
            visitor = self.visitors[key] = _Visitor(
                agent=self.enricher.agent(request.user_agent),
                network=self.enricher.network(request.ip),
            )
        visitor.requests += 1
        path = request.path
        if path == "/robots.txt":
            visitor.robots = True
        if (
            request.method not in ("GET", "HEAD")
            or not 200 <= request.status < 400
            or NOT_A_PAGE.search(path)
        ):
            return
        visitor.page_views += 1
        visitor.add(("page", path))
        if request.epoch - visitor.last_epoch > VISIT_GAP:
            visitor.end_visit()
            visitor.add(("visits", ""))
            visitor.add(("entry", path))
            host = referrer_host(request.referrer)
            if host and host not in self.own_hosts:
                visitor.add(("referrer", host))
        elif visitor.last_path != path:
            visitor.add(("transition", f"{visitor.last_path} → {path}"))
        visitor.last_epoch = request.epoch
        visitor.last_path = path

    def close_days(self, before: date | None) -> None:
        """Store the cells of every day before ``before`` (all days when None)."""
        days = sorted({(site, day) for site, day, _, _ in self.visitors})
        for site, day in days:
            if before is None or day < before:
                self._store_day(site, day)

    def _store_day(self, site: str, day: date) -> None:
        salt = salt_for(day)
        cells: dict[Cell, tuple[int, set[int]]] = {}

        def tally(cell: Cell, hits: int, who: int) -> None:
            hits_before, seen = cells.get(cell, (0, set()))
            seen.add(who)
            cells[cell] = (hits_before + hits, seen)

        for key in [k for k in self.visitors if k[0] == site and k[1] == day]:
            visitor = self.visitors.pop(key)
            who = visitor_hash(salt, key[2], key[3], site)
            if visitor.is_bot():
                self.result.bot_requests += visitor.requests
                tally(("bots", ""), visitor.requests, who)
                continue
            if not visitor.page_views:
                continue
            visitor.end_visit()
            self.result.page_views += visitor.page_views
            tally(("site", ""), visitor.page_views, who)
            tally(("browser", visitor.agent.browser), visitor.page_views, who)
            tally(("platform", visitor.agent.platform), visitor.page_views, who)
            tally(("country", visitor.network.country or "unknown"), visitor.page_views, who)
            tally(("isp", visitor.network.isp or "unknown"), visitor.page_views, who)
            for cell, hits in visitor.cells.items():
                tally(cell, hits, who)
        if cells:
            self.result.days.add(day)
            store_cells(site, day, cells)


def store_cells(site: str, day: date, cells: dict[Cell, tuple[int, set[int]]]) -> None:
    """Add hits, and visitors not yet counted in each cell, to the day's aggregates.

    Existing cells are incremented in SQL (``bulk_update`` is far too slow here), new
    ones inserted whole.
    """
    existing = {
        (dimension, value): pk
        for dimension, value, pk in DailyCount.objects.filter(site=site, day=day).values_list(
            "dimension", "value", "pk"
        )
    }
    counted: dict[int, set[int]] = {}
    if existing:
        already = CellVisitor.objects.filter(cell__site=site, cell__day=day)
        for cell_id, who in already.values_list("cell_id", "visitor"):
            counted.setdefault(cell_id, set()).add(who)
    created: list[tuple[DailyCount, set[int]]] = []
    increments: list[tuple[int, int, int]] = []
    marks: list[tuple[int, int]] = []
    for (dimension, value), (hits, seen) in cells.items():
        pk = existing.get((dimension, value[:500]))
        if pk is None:
            row = DailyCount(
                site=site,
                day=day,
                dimension=dimension,
                value=value[:500],
                hits=hits,
                visitors=len(seen),
            )
            created.append((row, seen))
            continue
        new = seen - counted.get(pk, set())
        increments.append((hits, len(new), pk))
        marks.extend((pk, who) for who in new)
    DailyCount.objects.bulk_create([row for row, _ in created], batch_size=1000)
    for row, seen in created:
        marks.extend((row.pk, who) for who in seen)
    # Plain SQL: the ORM's bulk methods cost more than the rest of the ingest together.
    ops = connection.ops
    counts = ops.quote_name(DailyCount._meta.db_table)
    marked = ops.quote_name(CellVisitor._meta.db_table)
    with connection.cursor() as cursor:
        if increments:
            cursor.executemany(
                f"UPDATE {counts} SET hits = hits + %s, visitors = visitors + %s "  # noqa: S608 - our table
                "WHERE id = %s",
                increments,
            )
        if marks:
            cursor.executemany(
                f"INSERT INTO {marked} (cell_id, visitor) VALUES (%s, %s)",  # noqa: S608 - our table
                marks,
            )


def _identity(path: Path) -> tuple[int, int, str, bool]:
    """Device, inode, hash of the first line, and whether the file is compressed."""
    stat = path.stat()
    with open_log(path) as stream:
        first = stream.readline()
    return stat.st_dev, stat.st_ino, hashlib.sha256(first).hexdigest(), is_gzip(path)


def ingest_file(
    path: Path,
    *,
    site: str = "",
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Count one log file into the aggregates, from where its checkpoint left off.

    Everything from one file, and its checkpoint, commit in one transaction: a crash
    leaves the file to be counted again from the same place, never twice.
    """
    result = IngestResult(path=str(path))
    device, inode, first_hash, compressed = _identity(path)
    with transaction.atomic():
        purge_salts()
        checkpoint, created = LogCheckpoint.objects.select_for_update().get_or_create(
            device=device,
            inode=inode,
            first_line_sha256=first_hash,
            defaults={"path": str(path)},
        )
        if not compressed and checkpoint.offset > path.stat().st_size:
            checkpoint.offset = 0  # shrunk in place: a new file under the same identity
        result.started_at = checkpoint.offset
        result.fresh = checkpoint.offset == 0
        parser = LineParser()
        counter = _Counter(site, result)
        held: list[Request] = []
        offset = checkpoint.offset
        last_epoch = 0
        with open_log(path) as stream:
            stream.seek(offset)
            for lines, used in read_batches(stream, final=compressed):
                offset += used
                result.lines += len(lines)
                parse = parser.parse
                held.extend(r for r in map(parse, lines) if r is not None)
                held.sort(key=_epoch_of)
                if held:
                    last_epoch = max(last_epoch, held[-1].epoch)
                ready = bisect_left(held, last_epoch - SORT_WINDOW, key=_epoch_of)
                _count_all(counter, held[:ready])
                del held[:ready]
                counter.close_days(_day_of(last_epoch - SORT_WINDOW - VISIT_GAP))
                if progress is not None:
                    progress(used)
        _count_all(counter, held)
        counter.close_days(None)
        result.malformed = parser.malformed
        checkpoint.path = str(path)
        checkpoint.offset = offset
        checkpoint.lines += result.lines
        checkpoint.malformed += parser.malformed.count
        if last_epoch:
            checkpoint.last_timestamp = datetime.fromtimestamp(last_epoch, UTC)
        checkpoint.save(
            update_fields=["path", "offset", "lines", "malformed", "last_timestamp", "updated_at"]
        )
    return result


def _epoch_of(request: Request) -> int:
    return request.epoch


def _day_of(epoch: int) -> date:
    return datetime.fromtimestamp(epoch, UTC).date()


def _count_all(counter: _Counter, requests: Iterable[Request]) -> None:
    count = counter.count
    for request in requests:
        counter.result.requests += 1
        count(request)
