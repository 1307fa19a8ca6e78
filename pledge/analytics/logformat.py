"""Reading combined-format access logs (Apache and nginx), fast and forgivingly.

Each line is split on ``"`` with quoting off: a quote-aware reader stops at the
first cut-short line, and real logs have them. Fields that need a regex or a
lookup (timestamps, paths, referrers) are worked out once per distinct value.
"""

from __future__ import annotations

import gzip
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
EXAMPLES_KEPT = 5


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed log line, still holding the IP address: it lives only in memory."""

    ip: str
    vhost: str
    epoch: int
    method: str
    path: str
    status: int
    referrer: str
    user_agent: str


@dataclass
class Malformed:
    """Lines that could not be read: counted, a few kept to show, never fatal."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(line.rstrip("\n")[:300])


class LineParser:
    """Parses lines of the combined format, caching per distinct value."""

    def __init__(self) -> None:
        self._day_epochs: dict[str, int] = {}
        self._paths: dict[str, str] = {}
        self.malformed = Malformed()

    def parse(self, line: str) -> Request | None:
        """The request on ``line``, or None (counted as malformed) when it cannot be read."""
        if '\\"' in line:
            # Apache writes a quote inside a field as \" ; hide it from the split.
            parts = line.replace('\\"', "\x00").split('"')
            parts = [p.replace("\x00", '"') for p in parts]
        else:
            parts = line.split('"')
        # head "request" status size "referrer" "user agent" [ "more" ... ]
        if len(parts) < 7 or parts[4] != " ":
            self.malformed.add(line)
            return None
        head = parts[0]
        left, _, rest = head.partition("[")
        stamp, _, _ = rest.partition("]")
        tokens = left.split()
        if len(tokens) == 3:
            vhost, ip = "", tokens[0]
        elif len(tokens) == 4:  # Apache vhost_combined: "host:port ip - user"
            vhost, ip = tokens[0].rsplit(":", 1)[0], tokens[1]
        else:
            self.malformed.add(line)
            return None
        epoch = self._epoch(stamp)
        status_size = parts[2].split()
        request = parts[1].split(" ")
        if epoch is None or len(status_size) != 2 or not status_size[0].isdigit():
            self.malformed.add(line)
            return None
        method = request[0] if len(request) >= 2 else ""
        target = request[1] if len(request) >= 2 else ""
        path = self._paths.get(target)
        if path is None:
            path = self._paths[target] = _path_of(target)
        return Request(
            ip=ip,
            vhost=vhost.lower(),
            epoch=epoch,
            method=method,
            path=path,
            status=int(status_size[0]),
            referrer=parts[3],
            user_agent=parts[5],
        )

    def _epoch(self, stamp: str) -> int | None:
        # "17/May/2015:10:05:03 +0000"
        if len(stamp) != 26 or stamp[20] != " ":
            return None
        key = stamp[:17] + stamp[20:]  # to the minute: shared by many lines
        base = self._day_epochs.get(key)
        if base is None:
            try:
                day = datetime(int(stamp[7:11]), MONTHS[stamp[3:6]], int(stamp[0:2]), tzinfo=UTC)
                sign = -1 if stamp[21] == "-" else 1
                offset = sign * (int(stamp[22:24]) * 3600 + int(stamp[24:26]) * 60)
                minutes = int(stamp[12:14]) * 3600 + int(stamp[15:17]) * 60
            except (KeyError, ValueError):
                return None
            base = self._day_epochs[key] = int(day.timestamp()) - offset + minutes
        seconds = stamp[18:20]
        return base + int(seconds) if seconds.isdigit() else None


def _path_of(target: str) -> str:
    """The path of a request target, with nothing in it that could name a person.

    The query string, fragment and ``;`` parameters go (they can hold an email address,
    a session id or a token); so do scheme and host. A segment that is a number, an
    address or a token becomes a placeholder: ``/verify/<token>/`` and an account
    number in a path are one page, not one per person.
    """
    if target.startswith(("http://", "https://")):
        target = urlsplit(target).path or "/"
    path = target.split("?", 1)[0].split("#", 1)[0].split(";", 1)[0]
    if IDENTIFYING_SEGMENT.search(path):
        path = "/".join(_segment(s) for s in path.split("/"))
    return path[:500] or "/"


IDENTIFYING_SEGMENT = re.compile(r"\d|@|%40|:")
HEX_TOKEN = re.compile(r"[0-9a-fA-F]{16,}")
WITH_EXTENSION = re.compile(r"(.+?)(\.[A-Za-z0-9]{1,5})?")


def _segment(segment: str) -> str:
    if segment.isdigit():
        return ":n"
    if "@" in segment or "%40" in segment.lower():
        return ":email"
    found = WITH_EXTENSION.fullmatch(segment)
    stem, extension = (found[1], found[2] or "") if found else (segment, "")
    if ":" in stem or HEX_TOKEN.fullmatch(stem) or _looks_random(stem):
        return ":token" + extension
    return segment


def _looks_random(stem: str) -> bool:
    """Long, with digits, and mixed case or no hyphens: a signed or random token (a
    session key, a signed link), not a slug such as ``logstash-monitorama-2013``."""
    if len(stem) < 16:
        return False
    digits = sum(c.isdigit() for c in stem)
    mixed = any(c.isupper() for c in stem) and any(c.islower() for c in stem)
    return digits >= 2 and (mixed or "-" not in stem)


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


def epoch_to_datetime(epoch: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=epoch)


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
) -> Iterator[tuple[list[str], int]]:
    """Complete lines in batches of about ``batch_bytes``, each with the bytes it used.

    A last line without its newline may still be being written: it is left for the
    next ingest unless ``final`` (a compressed file, complete by definition).
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
            yield data[: cut - 1].decode("utf-8", errors="replace").split("\n"), cut
    if pending and final:
        yield [pending.decode("utf-8", errors="replace")], len(pending)
