"""Time ``pledge logs ingest`` against GoAccess on one generated combined log.

    .venv/bin/python bench/log_ingest.py [--lines 2000000] [--keep DIR]

Generates a realistic combined log (paths, referrers and user agents resampled from
the real log in pledge/analytics/tests/data; 250,000 lines a day from 12,000 of
60,000 visitors, IPv4 and IPv6; lines out of order by up to 30 s; a few cut short), then runs both on it, each in its own
process, on a fresh SQLite database for Pledge. Prints lines/s and peak memory for
each and ends with ``ratio: R``, Pledge's lines/s over GoAccess's.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "pledge/analytics/tests/data/apache_logs"
LINES_PER_DAY = 250_000
VISITORS = 60_000
VISITORS_PER_DAY = 12_000


def vocabulary() -> tuple[list[str], list[str], list[str]]:
    requests, referrers, agents = [], [], []
    for line in SAMPLE.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split('"')
        if len(parts) >= 7:
            requests.append(parts[1])
            referrers.append(parts[3])
            agents.append(parts[5])
    return requests, referrers, agents


def generate(path: Path, lines: int, seed: int = 2026) -> None:
    """Write ``lines`` lines, LINES_PER_DAY a day: a longer log covers more days, as a
    real one does, so per-day state (and memory) should not grow with the file."""
    rng = random.Random(seed)
    requests, referrers, agents = vocabulary()
    population = [
        (
            f"2001:db8:{rng.randrange(65536):x}::{rng.randrange(65536):x}"
            if rng.random() < 0.1
            else f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            rng.choice(agents),
        )
        for _ in range(VISITORS)
    ]
    start = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())
    statuses = (200, 200, 200, 200, 200, 304, 404, 301)
    stamps: dict[int, str] = {}
    with path.open("w", encoding="utf-8") as out:
        for first in range(0, lines, LINES_PER_DAY):
            today = rng.sample(population, VISITORS_PER_DAY)
            day_start = start + (first // LINES_PER_DAY) * 86400
            batch = []
            for i in range(min(LINES_PER_DAY, lines - first)):
                ip, agent = rng.choice(today)
                second = day_start + i * 86400 // LINES_PER_DAY - rng.randrange(30)
                stamp = stamps.get(second)
                if stamp is None:
                    if len(stamps) > 100_000:
                        stamps.clear()
                    stamp = stamps[second] = datetime.fromtimestamp(second, UTC).strftime(
                        "%d/%b/%Y:%H:%M:%S +0000"
                    )
                line = (
                    f'{ip} - - [{stamp}] "{rng.choice(requests)}" {rng.choice(statuses)} '
                    f'{rng.randrange(100, 90000)} "{rng.choice(referrers)}" "{agent}"'
                )
                if rng.random() < 0.0001:
                    line = line[: len(line) // 2]
                batch.append(line)
            out.write("\n".join(batch) + "\n")


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MiB) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        sys.exit(f"{command[0]} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, help="keep the generated log and database here")
    args = parser.parse_args()
    goaccess = shutil.which("goaccess")
    if goaccess is None:
        print("goaccess is missing: apt-get install -y goaccess", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "goaccess"], check=True)
        goaccess = shutil.which("goaccess")
        if goaccess is None:
            sys.exit("goaccess is needed and could not be installed: apt-get install -y goaccess")
    work = args.keep or Path(tempfile.mkdtemp(prefix="log-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "access.log"
    print(f"generating {args.lines:,} lines in {log}", flush=True)
    generate(log, args.lines)
    size = log.stat().st_size

    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work / 'bench.sqlite3'}")
    (work / "bench.sqlite3").unlink(missing_ok=True)
    pledge = str(ROOT / ".venv/bin/pledge")
    subprocess.run([pledge, "migrate", "-v0"], env=env, check=True)
    # GoAccess at its fastest: JSON only, no progress, no extra panels to resolve.
    go_seconds, go_mib = run(
        [
            goaccess,
            str(log),
            "--log-format=COMBINED",
            "--no-global-config",
            "--no-progress",
            "--no-ip-validation",
            "--no-query-string",
            "--ignore-panel=REMOTE_USER",
            "--ignore-panel=GEO_LOCATION",
            "--ignore-panel=KEYPHRASES",
            "--ignore-panel=STATUS_CODES",
            "--ignore-panel=VIRTUAL_HOSTS",
            "--ignore-panel=MIME_TYPE",
            "--ignore-panel=TLS_TYPE",
            "--ignore-panel=CACHE_STATUS",
            "-o",
            str(work / "goaccess.json"),
        ]
    )
    pl_seconds, pl_mib = run([pledge, "logs", "ingest", str(log)], env=env)
    go_rate = args.lines / go_seconds
    pl_rate = args.lines / pl_seconds
    print(f"log: {args.lines:,} lines, {size / 2**20:.0f} MiB")
    print(f"goaccess: {go_seconds:.1f} s, {go_rate:,.0f} lines/s, peak {go_mib} MiB")
    print(f"pledge:   {pl_seconds:.1f} s, {pl_rate:,.0f} lines/s, peak {pl_mib} MiB")
    print(f"ratio: {pl_rate / go_rate:.2f}")
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
