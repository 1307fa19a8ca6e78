"""Reading combined-format access logs (Apache and nginx), fast and forgivingly.

A batch of lines is split on ``"`` with quoting off, by polars' CSV reader (in Rust,
on both cores): a quote-aware reader stops at the first cut-short line, and real
logs have them. Per row only cheap column operations run; anything that needs a
regex or a lookup (paths, referrers, user agents, addresses) is worked out once per
distinct value by the ingest.
"""

from __future__ import annotations

import gzip
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import polars as pl

from .logmask import mask_path

EXAMPLES_KEPT = 5
# Seven fields: head "request" status size "referrer" "user agent" [rest]
FIELDS = [f"f{i}" for i in range(7)]
# Marks each line's end when some line does not end in a quote, so a line cut short
# inside its user agent (no sixth quote) is told from one whose last field is empty.
END = "\x01"
# Apache writes a quote inside a field as \" ; hidden from the split, then restored.
ESCAPED_QUOTE = b'\\"'
HIDDEN_QUOTE = "\x00"
# "17/May/2015:10:05:03 +0000": parsed once per minute, seconds and zone added.
MINUTE_FORMAT = "%d/%b/%Y:%H:%M"
ZONE = r"^([+-])(\d\d)(\d\d)$"


@dataclass
class Malformed:
    """Lines that could not be read: counted, a few kept to show, never fatal."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(line.rstrip("\n")[:300])


def parse_batch(data: bytes, malformed: Malformed) -> pl.DataFrame:
    """The requests on the complete lines in ``data``, one row each.

    Columns: ``vhost`` ("" when the format has none), ``ip``, ``epoch`` (seconds,
    UTC), ``request`` (as written: method, target, protocol), ``status``,
    ``referrer``, ``user_agent``. Lines that cannot be read are added to
    ``malformed`` and left out.
    """
    escaped = ESCAPED_QUOTE in data
    if escaped:
        data = data.replace(ESCAPED_QUOTE, HIDDEN_QUOTE.encode())
    # Almost always every line ends in a quote; only then is the marker needed.
    marked = data.count(b'"\n') + data.endswith(b'"') != data.count(b"\n") + 1
    if marked:
        data = data.replace(b"\n", END.encode() + b"\n") + END.encode()
    raw = pl.read_csv(
        data,
        has_header=False,
        separator='"',
        quote_char=None,
        schema=dict.fromkeys(FIELDS, pl.String),
        truncate_ragged_lines=True,
        extra_columns="ignore",
        empty_string_is_null=False,
        encoding="utf8-lossy",
        raise_if_empty=False,
    )
    rows = raw.select(**_fields(marked)).with_columns(
        ok=pl.col("ok") & pl.col("epoch").is_not_null() & pl.col("status").is_not_null()
    )
    if not rows["ok"].all():
        _set_aside(raw.filter(~rows["ok"]), malformed, escaped=escaped, marked=marked)
        rows = rows.filter(pl.col("ok"))
    rows = rows.drop("ok")
    if escaped:
        rows = rows.with_columns(
            pl.col(name).str.replace_all(HIDDEN_QUOTE, '"', literal=True)
            for name in ("request", "referrer", "user_agent")
        )
    return rows


def _fields(marked: bool) -> dict[str, pl.Expr]:
    """Column expressions from the split fields: slices and casts, no per-row regex."""
    head = pl.col("f0")  # "ip - user [stamp] " or "host:port ip - user [stamp] "
    left = head.str.head(-29)
    spaces = left.str.count_matches(" ", literal=True)
    first_space = left.str.find(" ", literal=True)
    first = left.str.slice(0, first_space)
    after = left.str.slice(first_space + 1)
    second = after.str.slice(0, after.str.find(" ", literal=True))
    stamp = head.str.slice(-28, 26)
    minute = stamp.str.slice(0, 17).str.strptime(
        pl.Datetime("us", "UTC"), MINUTE_FORMAT, strict=False, cache=True
    )
    zone = stamp.str.slice(21, 5)
    zone_seconds = (
        pl.when(zone == "+0000")
        .then(pl.lit(0, pl.Int64))
        .otherwise(zone.str.extract_groups(ZONE).map_batches(_zone_seconds, return_dtype=pl.Int64))
    )
    status = pl.col("f2")
    last = pl.col("f6")
    return {
        "vhost": pl.when(spaces == 4).then(first).otherwise(pl.lit("")),
        "ip": pl.when(spaces == 4).then(second).otherwise(first),
        "epoch": minute.dt.epoch("s")
        + stamp.str.slice(18, 2).cast(pl.Int64, strict=False)
        - zone_seconds,
        "request": pl.col("f1"),
        "status": status.str.slice(1, 3).cast(pl.Int16, strict=False),
        "referrer": pl.col("f3"),
        "user_agent": pl.col("f5"),
        "ok": (pl.col("f4") == " ")
        & ((last != "") if marked else pl.lit(True))
        & (status.str.slice(0, 1) == " ")
        & (status.str.slice(4, 1) == " ")
        & head.str.ends_with("] ")
        & (head.str.slice(-29, 1) == "[")
        & (stamp.str.slice(20, 1) == " ")
        & spaces.is_in([3, 4]),
    }


def _zone_seconds(parts: pl.Series) -> pl.Series:
    frame = parts.struct.unnest()
    sign, hours, minutes = (frame[c] for c in frame.columns)
    seconds = hours.cast(pl.Int64, strict=False) * 3600 + minutes.cast(pl.Int64, strict=False) * 60
    return pl.select(pl.when(sign == "-").then(-seconds).otherwise(seconds)).to_series()


def _set_aside(bad: pl.DataFrame, malformed: Malformed, *, escaped: bool, marked: bool) -> None:
    """Count the unread lines, and keep a few as they were written (near enough)."""
    for fields in bad.iter_rows():
        line = '"'.join(fields)
        # Missing fields come back empty: cut at the end marker, or at the last quote.
        line = line.split(END, 1)[0] if marked else line.rstrip('"') + '"'
        if escaped:
            line = line.replace(HIDDEN_QUOTE, '\\"')
        malformed.add(line)


def path_of(target: str) -> str:
    """The path of a request target, with nothing in it that could name a person.

    The query string and fragment go (they can hold an email address, a session id or
    a token); so do scheme and host. The rest is masked as every access log is
    (``logmask``): ``/verify/<token>/`` and an account number in a path are one page,
    not one per person.
    """
    if target.startswith(("http://", "https://")):
        target = urlsplit(target).path or "/"
    return mask_path(target.split("?", 1)[0])


@lru_cache(maxsize=65536)
def referrer_host(referrer: str) -> str:
    """The referring site's host name, or "" when there is none: never its path or query."""
    if not referrer or referrer == "-":
        return ""
    try:
        host = urlsplit(referrer).hostname or ""
    except ValueError:
        return ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host[:200]
    return "(an IP address)"  # a site reached by address could be a person's machine


def is_gzip(path: Path) -> bool:
    """Whether the file is gzip, by its magic number rather than its name."""
    with path.open("rb") as raw:
        return raw.read(2) == b"\x1f\x8b"


def open_log(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it is gzip."""
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_batches(
    stream: BinaryIO, *, final: bool, batch_bytes: int = 4 << 20
) -> Iterator[tuple[bytes, int, int]]:
    """Complete lines in batches of about ``batch_bytes``: the bytes (without the last
    newline), how many lines they hold, and how many bytes of the file they used.

    Memory stays that of one batch however long the file. A last line without its
    newline may still be being written: it is left for the next ingest unless
    ``final`` (a compressed file, complete by definition).
    """
    pending = b""
    while True:
        chunk = stream.read(batch_bytes)
        if not chunk:
            break
        data = pending + chunk
        cut = data.rfind(b"\n") + 1
        pending = data[cut:]
        if cut:
            lines = data[: cut - 1]
            yield lines, lines.count(b"\n") + 1, cut
    if pending and final:
        yield pending, 1, len(pending)
