"""``pledge logs ingest FILE…``: count access logs into the daily aggregates (C7)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.analytics.ingest import ingest_file, site_by_host


class Command(BaseCommand):
    help = (
        "Count combined-format access logs (Apache or nginx, plain or gzip) into daily "
        "aggregates. Each file resumes where it was left; nothing is counted twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--site", default="", help="site key for requests whose host is not known"
        )

    def handle(self, *args: Any, files: list[Path], site: str, **options: Any) -> None:
        hosts, _ = site_by_host()
        if site and site not in set(hosts.values()):
            raise CommandError(f"unknown site {site!r}")
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            result = self._ingest(path, site)
            where = "from the start" if result.fresh else f"from byte {result.started_at}"
            self.stdout.write(
                f"{path}: {result.lines} new lines {where}, {result.requests} requests, "
                f"{result.page_views} page views by people, {result.bot_requests} by bots, "
                f"{result.malformed.count} malformed"
            )
            for example in result.malformed.examples:
                self.stdout.write(f"  malformed: {example}")

    def _ingest(self, path: Path, site: str) -> Any:
        if not sys.stdout.isatty():
            return ingest_file(path, site=site)
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(path.name, total=path.stat().st_size)
            return ingest_file(path, site=site, progress=lambda n: bar.advance(task, n))
