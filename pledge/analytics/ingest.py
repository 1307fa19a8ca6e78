"""Counting access logs into daily aggregates, each file once (C7, C13).

A file is read in batches of a few megabytes and parsed by column (``logformat``).
Whatever needs Python (a user agent's browser, an address's country and ISP, a
path made safe, a referring host, the visitor's keyed hash) is worked out once per
distinct value in the batch, not per line. Rows wait, per day, until the log has
moved on past that day (real logs are out of order by up to about 30 s); a closed
day is sorted by visitor and time and cut into visits at 30 minutes without a page
view, all by column. IP addresses and user agents live only in memory: only counts
are stored, each with the number of distinct visitors behind it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import polars as pl
from django.db import reset_queries, transaction

from pledge.policy.loaded import configured_declaration

from .cells import store_day
from .enrichment import describe_agent, describe_network
from .logformat import (
    Malformed,
    is_gzip,
    open_log,
    parse_batch,
    path_of,
    read_batches,
    referrer_host,
)
from .models import LogCheckpoint
from .visitors import address_key, purge_salts, salt_for, visitor_of

VISIT_GAP = 30 * 60
BEACON = re.compile(r"/b/([a-z0-9_-]{1,64})\.gif")
EXIT_PATH = "/out/"
# A day is counted once the log has gone this far (in log time) past its end.
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
    "content",
    "outbound",
    "click",
    "bounces",
    "visit_seconds",
)
# Per-distinct-value lookups kept between batches, cleared past this size so that
# memory does not grow with the file.
CACHE_LIMIT = 100_000


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


class _Facts:
    """Facts per distinct key, worked out in Python once and joined to rows by column.

    Each batch looks up only the keys it has not seen; past ``CACHE_LIMIT`` known keys
    the table starts again, so memory does not grow with the file.
    """

    def __init__(
        self, keys: list[str], schema: dict[str, Any], work_out: Callable[..., tuple[Any, ...]]
    ) -> None:
        self.keys = keys
        self.schema = schema
        self.work_out = work_out
        self.known = pl.DataFrame(schema={**dict.fromkeys(keys, pl.String), **schema})

    def join(self, rows: pl.DataFrame) -> pl.DataFrame:
        seen = rows.select(self.keys).unique()
        if self.known.height > CACHE_LIMIT:
            self.known = self.known.clear()
        new = seen.join(self.known, on=self.keys, how="anti", nulls_equal=True)
        if new.height:
            facts = pl.DataFrame(
                [self.work_out(*key) for key in new.iter_rows()],
                schema=self.schema,
                orient="row",
            )
            self.known = pl.concat(
                [self.known, pl.concat([new, facts], how="horizontal")], rechunk=True
            )
        return rows.join(self.known, on=self.keys, how="left", nulls_equal=True)

    def keep(self, predicate: pl.Expr) -> None:
        self.known = self.known.filter(predicate)


class _Lookups:
    """What distinct values say: the site of a host, the page of a request, the
    referring site, the keyed address, the network and the browser."""

    def __init__(self, default_site: str) -> None:
        self.hosts, first = site_by_host()
        self.default_site = default_site or first
        self.salts: dict[int, bytes] = {}
        self.tables = [
            _Facts(["vhost"], {"site": pl.String}, self.site),
            _Facts(
                ["request"],
                {
                    "path": pl.String,
                    "page_kind": pl.Boolean,
                    "robots": pl.Boolean,
                    "content": pl.String,
                    "outbound": pl.String,
                },
                self.request,
            ),
            _Facts(
                ["referrer"], {"referrer_host": pl.String, "from_page": pl.String}, self.referrer
            ),
            _Facts(["day", "ip"], {"address": pl.Int64}, self.address),
            _Facts(
                ["ip"],
                {"country": pl.String, "isp": pl.String, "datacenter": pl.Boolean},
                self.network,
            ),
            _Facts(
                ["user_agent"],
                {"browser": pl.String, "platform": pl.String, "agent_bot": pl.Boolean},
                self.agent,
            ),
        ]
        self.tables[3].known = self.tables[3].known.cast({"day": pl.Int64})

    def join(self, rows: pl.DataFrame) -> pl.DataFrame:
        for table in self.tables:
            rows = table.join(rows)
        return rows

    def forget_days_before(self, day: int) -> None:
        """Drop the keyed addresses of closed days: they are never needed again, and
        keeping them would make memory grow with the number of days in the file."""
        self.tables[3].keep(pl.col("day") >= day)
        self.salts = {d: salt for d, salt in self.salts.items() if d >= day}

    def site(self, vhost: str) -> tuple[str]:
        return (self.hosts.get(vhost.rsplit(":", 1)[0].lower(), self.default_site),)

    def request(self, request: str) -> tuple[str, bool, bool, str | None, str | None]:
        """Path made safe, whether it can be a page view, whether it is robots.txt, the
        content key of a page beacon, the destination host of an exit redirect."""
        words = request.split(" ")
        method, target = (words[0], words[1]) if len(words) >= 2 else ("", "")
        path = path_of(target)
        page = method in ("GET", "HEAD") and not NOT_A_PAGE.search(path)
        content = BEACON.fullmatch(path)
        return (
            path,
            page and path != EXIT_PATH,
            path == "/robots.txt",
            content[1] if content else None,
            _exit_host(target) if path == EXIT_PATH else None,
        )

    def referrer(self, referrer: str) -> tuple[str | None, str | None]:
        """The referring site's host when it is another site's; the page when ours."""
        host = referrer_host(referrer)
        if not host:
            return None, None
        if host in self.hosts:
            try:
                return None, path_of(urlsplit(referrer).path or "/")
            except ValueError:
                return None, None
        return host, None

    def address(self, day: int, ip: str) -> tuple[int]:
        if day not in self.salts:
            self.salts[day] = salt_for(_date_of(day))
        return (address_key(self.salts[day], ip),)

    def network(self, ip: str) -> tuple[str, str, bool]:
        found = describe_network(ip)
        return found.country or "unknown", found.isp or "unknown", found.datacenter

    def agent(self, user_agent: str) -> tuple[str, str, bool]:
        found = describe_agent(user_agent)
        return found.browser, found.platform, found.bot


def _exit_host(target: str) -> str | None:
    """The host an exit redirect sent the visitor to (or tried to: a refused link's
    request has status 400 and is not counted)."""
    try:
        to = parse_qs(urlsplit(target).query).get("to", [""])[0]
        return urlsplit(to).hostname or None
    except ValueError:
        return None


def _enrich(batch: pl.DataFrame, lookups: _Lookups) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows reduced to what is counted, and the visitors behind them.

    Rows: ``site, day, visitor, epoch, path, page, robots, referrer``. Visitors:
    ``site, day, visitor, browser, platform, country, isp, flagged``. The visitor is
    the day's keyed hash of address, user agent and site; the address and the user
    agent are dropped here.
    """
    rows = lookups.join(batch.with_columns(day=pl.col("epoch") // 86400)).with_columns(
        visitor=visitor_of(pl.col("address"), pl.col("user_agent"), pl.col("site")),
        flagged=pl.col("agent_bot") | pl.col("datacenter"),
    )
    visitors = rows.select(
        "site", "day", "visitor", "browser", "platform", "country", "isp", "flagged"
    ).unique(["site", "day", "visitor"])
    rows = rows.select(
        "site",
        "day",
        "visitor",
        "epoch",
        "path",
        page=pl.col("page_kind") & pl.col("status").is_between(200, 399),
        robots="robots",
        referrer="referrer_host",
        content=pl.when(pl.col("status") == 200).then(pl.col("content")),
        outbound=pl.when(pl.col("status").is_between(300, 399)).then(pl.col("outbound")),
        from_page="from_page",
    )
    return rows, visitors


@dataclass
class _Day:
    rows: list[pl.DataFrame] = field(default_factory=list)
    visitors: list[pl.DataFrame] = field(default_factory=list)


class _Days:
    """Rows waiting per day until the log has moved past it, then counted."""

    def __init__(self, result: IngestResult) -> None:
        self.result = result
        self.waiting: dict[int, _Day] = {}

    def add(self, rows: pl.DataFrame, visitors: pl.DataFrame) -> None:
        for (day,), part in rows.partition_by("day", as_dict=True).items():
            self.waiting.setdefault(int(day), _Day()).rows.append(part)
        for (day,), part in visitors.partition_by("day", as_dict=True).items():
            self.waiting[int(day)].visitors.append(part)

    def close(self, horizon: int | None) -> None:
        """Count every day that ended before ``horizon`` (all days when None)."""
        for day in sorted(self.waiting):
            if horizon is None or (day + 1) * 86400 <= horizon:
                waiting = self.waiting.pop(day)
                self._count(
                    day,
                    pl.concat(waiting.rows),
                    pl.concat(waiting.visitors).unique(["site", "visitor"]),
                )

    def _count(self, day: int, rows: pl.DataFrame, visitors: pl.DataFrame) -> None:
        cells = count_day(rows, visitors)
        self.result.page_views += cells.page_views
        self.result.bot_requests += cells.bot_requests
        for (site,), marks in cells.marks.partition_by("site", as_dict=True).items():
            store_day(str(site), _date_of(day), marks.drop("site"))
            self.result.days.add(_date_of(day))


@dataclass
class DayCells:
    """One day's counted cells: a row per (site, dimension, value, visitor) with its hits."""

    marks: pl.DataFrame
    page_views: int
    bot_requests: int


def count_day(rows: pl.DataFrame, visitors: pl.DataFrame) -> DayCells:
    """Cut a day's requests into visits and tally every dimension, by column.

    A visitor is a bot when its agent or network says so, when it fetched
    robots.txt, or when it viewed implausibly many pages; bots are counted apart,
    in one cell, and nowhere else.
    """
    per_visitor = (
        rows.group_by("site", "visitor")
        .agg(
            requests=pl.len(),
            page_views=pl.col("page").sum(),
            robots=pl.col("robots").any(),
        )
        .join(visitors, on=["site", "visitor"], how="left")
        .with_columns(
            bot=pl.col("flagged") | pl.col("robots") | (pl.col("page_views") > MAX_PAGE_VIEWS)
        )
    )
    bots = per_visitor.filter("bot")
    people = per_visitor.filter(~pl.col("bot") & (pl.col("page_views") > 0))
    views = (
        rows.filter("page")
        .join(people.select("site", "visitor"), on=["site", "visitor"], how="semi")
        .sort("site", "visitor", "epoch", maintain_order=True)
        .with_columns(
            new_visit=(pl.col("visitor") != pl.col("visitor").shift(1))
            .or_(pl.col("site") != pl.col("site").shift(1))
            .or_(pl.col("epoch") - pl.col("epoch").shift(1) > VISIT_GAP)
            .fill_null(True),
            previous=pl.col("path").shift(1),
        )
        .with_columns(
            last=pl.col("new_visit").shift(-1).fill_null(True),
            visit=pl.col("new_visit").cum_sum(),
        )
    )
    one_hit = pl.lit(1, pl.Int64)

    def cell(frame: pl.DataFrame, dimension: str, value: pl.Expr, hits: pl.Expr) -> pl.DataFrame:
        return frame.select(
            "site",
            dimension=pl.lit(dimension),
            value=value.cast(pl.String),
            visitor="visitor",
            hits=hits.cast(pl.Int64),
        )

    page_views = pl.col("page_views")
    parts = [
        cell(bots, "bots", pl.lit(""), pl.col("requests")),
        cell(people, "site", pl.lit(""), page_views),
        *(
            cell(people, d, pl.col(d), page_views)
            for d in ("browser", "platform", "country", "isp")
        ),
        cell(views, "page", pl.col("path"), one_hit),
        cell(views.filter("new_visit"), "visits", pl.lit(""), one_hit),
        cell(views.filter("new_visit"), "entry", pl.col("path"), one_hit),
        cell(views.filter("last"), "exit", pl.col("path"), one_hit),
        cell(
            views.filter(pl.col("new_visit") & pl.col("referrer").is_not_null()),
            "referrer",
            pl.col("referrer"),
            one_hit,
        ),
        cell(
            views.filter(~pl.col("new_visit") & (pl.col("previous") != pl.col("path"))),
            "transition",
            pl.concat_str(pl.col("previous"), pl.lit(" → "), pl.col("path")),
            one_hit,
        ),
    ]
    # A bounce is a visit of one page; a visit lasts from its first page to its last.
    visits = views.group_by("visit").agg(
        pl.col("site").first(),
        pl.col("visitor").first(),
        pages=pl.len(),
        seconds=pl.col("epoch").max() - pl.col("epoch").min(),
    )
    parts += [
        cell(visits.filter(pl.col("pages") == 1), "bounces", pl.lit(""), one_hit),
        cell(visits, "visit_seconds", pl.lit(""), pl.col("seconds")),
    ]
    # Beacons and exits count for people only, like page views.
    seen = rows.filter(pl.col("content").is_not_null() | pl.col("outbound").is_not_null()).join(
        people.select("site", "visitor"), on=["site", "visitor"], how="semi"
    )
    exits = seen.filter(pl.col("outbound").is_not_null())
    parts += [
        cell(seen.filter(pl.col("content").is_not_null()), "content", pl.col("content"), one_hit),
        cell(exits, "outbound", pl.col("outbound"), one_hit),
        cell(
            exits,
            "click",
            pl.concat_str(
                pl.col("from_page").fill_null("(no page)"), pl.lit(" → "), pl.col("outbound")
            ),
            one_hit,
        ),
    ]
    marks = (
        pl.concat(parts)
        .group_by("site", "dimension", "value", "visitor")
        .agg(hits=pl.col("hits").sum())
    )
    return DayCells(
        marks=marks,
        page_views=int(people["page_views"].sum()),
        bot_requests=int(bots["requests"].sum()),
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
        lookups = _Lookups(site)
        days = _Days(result)
        offset = checkpoint.offset
        last_epoch = 0
        with open_log(path) as stream:
            stream.seek(offset)
            for data, lines, used in read_batches(stream, final=compressed):
                offset += used
                result.lines += lines
                batch = parse_batch(data, result.malformed)
                del data
                if batch.height:
                    result.requests += batch.height
                    last_epoch = max(last_epoch, int(batch["epoch"].max()))  # type: ignore[arg-type]
                    days.add(*_enrich(batch, lookups))
                    days.close(last_epoch - SORT_WINDOW)
                    lookups.forget_days_before(min(days.waiting, default=0))
                    # With DEBUG on (the demo), Django keeps the last 9,000 queries
                    # with their parameters: each day's marks blob among them.
                    reset_queries()
                if progress is not None:
                    progress(used)
        days.close(None)
        checkpoint.path = str(path)
        checkpoint.offset = offset
        checkpoint.lines += result.lines
        checkpoint.malformed += result.malformed.count
        if last_epoch:
            checkpoint.last_timestamp = datetime.fromtimestamp(last_epoch, UTC)
        checkpoint.save(
            update_fields=["path", "offset", "lines", "malformed", "last_timestamp", "updated_at"]
        )
    return result


def _date_of(day: int) -> date:
    return datetime.fromtimestamp(day * 86400, UTC).date()
