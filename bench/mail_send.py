"""Time the outbox worker against plain smtplib loops, to one local SMTP sink that discards.

    .venv/bin/python bench/mail_send.py [--messages 20000] [--profile FILE]

In one run, to the same sink (``CountingSink`` without parsing, on its own thread:
a minimal asyncio SMTP server that offers PIPELINING and discards what it gets):

* the worker: a campaign of N personalised messages written to a fresh SQLite
  outbox (``pledge.mail.tests.crash_campaign``), then one ``pledge worker``
  process delivering them with its default settings (timed from its first
  message to its last): the gate asked per chunk, each message written to bytes,
  pipelined over ``PLEDGE_MAIL_CONNECTIONS`` sessions;
* (a) a plain loop that builds the same personalised message with the standard
  library's ``email`` package and sends it over one smtplib connection;
* (b) the bytes of (a), rendered beforehand, replayed over one smtplib connection;
* the sink's ceiling: the messages of (b) written as fast as a raw socket can,
  all commands of a message in one write, never waiting for a reply: above any
  rate the others can reach, so the sink is not what limits them.

Ends with ``ratio: R``, the worker's rate over (a)'s.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pledge.mail.tests.counting_sink import CountingSink  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledge.settings")
from django.conf import settings  # noqa: E402

WIRE_POLICY = SMTP.clone(cte_type="7bit")


def personalised(n: int) -> EmailMessage:
    """The campaign's message for reader n, built as a plain script would."""
    message = EmailMessage(policy=WIRE_POLICY)
    message["From"] = Address(display_name="ContactGenie", addr_spec="news@claxton.localhost")
    message["To"] = Address(display_name=f"Reader {n}", addr_spec=f"reader{n}@example.com")
    message["Subject"] = f"News for Reader {n}"
    message["Message-ID"] = f"<bench-{n}@claxton.localhost>"
    message.set_content(
        f"Hello Reader {n},\n\nThis message must arrive exactly as it was written.\n",
        charset="utf-8",
    )
    message.add_alternative(
        f"<p>Hello Reader {n},</p><p>This message must arrive as written.</p>",
        subtype="html",
        charset="utf-8",
    )
    return message


def wait_for(sink: CountingSink, count: int) -> None:
    while sink.accepted < count:
        time.sleep(0.002)


def time_worker(sink: CountingSink, messages: int, profile: str = "") -> tuple[float, float]:
    """(messages/s from first to last message, seconds to write the outbox).

    ``profile``: run the worker under cProfile and write its statistics there (for
    ``python -m pstats``); the rate is then the profiled one.
    """
    with tempfile.TemporaryDirectory() as var:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pledge.settings",
            "DATABASE_URL": f"sqlite:///{var}/outbox.sqlite3",
            "PLEDGE_VAR_DIR": var,
            "PLEDGE_SMTP_HOST": sink.host,
            "PLEDGE_SMTP_PORT": str(sink.port),
            "PLEDGE_SMTP_STARTTLS": "false",
        }
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pledge.mail.tests.crash_campaign", str(messages)],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        filled = time.perf_counter() - started
        base = sink.accepted
        worker = subprocess.Popen(
            [
                sys.executable,
                *(["-m", "cProfile", "-o", profile] if profile else []),
                "-m",
                "pledge.cli",
                "worker",
                "--idle",
                "0.1",
            ],
            env=env,
            cwd=ROOT,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(sink, base + 1)
            first = time.perf_counter()
            wait_for(sink, base + messages)
            rate = (messages - 1) / (time.perf_counter() - first)
        finally:
            worker.terminate()
            worker.wait()
    return rate, filled


def time_plain_loop(sink: CountingSink, messages: int) -> float:
    base = sink.accepted
    started = time.perf_counter()
    with smtplib.SMTP(sink.host, sink.port) as smtp:
        for n in range(messages):
            smtp.send_message(personalised(n))
    wait_for(sink, base + messages)
    return messages / (time.perf_counter() - started)


def time_replay(sink: CountingSink, rendered: list[bytes]) -> float:
    base = sink.accepted
    started = time.perf_counter()
    with smtplib.SMTP(sink.host, sink.port) as smtp:
        for n, data in enumerate(rendered):
            smtp.sendmail("bounces@claxton.localhost", [f"reader{n}@example.com"], data)
    wait_for(sink, base + len(rendered))
    return len(rendered) / (time.perf_counter() - started)


def time_sink_ceiling(sink: CountingSink, rendered: list[bytes]) -> float:
    base = sink.accepted
    started = time.perf_counter()
    with socket.create_connection((sink.host, sink.port)) as raw:
        # The replies are read on the side, so that neither end ever waits on the other.
        replies = threading.Thread(
            target=lambda: [None for _ in iter(lambda: raw.recv(65536), b"")]
        )
        replies.start()
        raw.sendall(b"EHLO bench\r\n")
        for n, data in enumerate(rendered):
            raw.sendall(
                b"MAIL FROM:<bounces@claxton.localhost>\r\n"
                + f"RCPT TO:<reader{n}@example.com>\r\n".encode()
                + b"DATA\r\n"
                + data.replace(b"\r\n.", b"\r\n..")
                + b"\r\n.\r\n"
            )
        raw.sendall(b"QUIT\r\n")
        replies.join()
    wait_for(sink, base + len(rendered))
    return len(rendered) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument(
        "--profile", default="", metavar="FILE", help="run the worker under cProfile, stats to FILE"
    )
    args = parser.parse_args()
    messages = args.messages
    with CountingSink(keep=False) as sink:
        worker, filled = time_worker(sink, messages, args.profile)
        sessions = f"{settings.MAIL_CONNECTIONS} sessions × {settings.MAIL_MARK_EVERY} per mark"
        print(
            f"worker (pledge worker, SQLite outbox, {sessions}): {worker:8.0f} messages/s",
            flush=True,
        )
        print(f"  (writing the {messages} outbox rows took {filled:.1f} s)", flush=True)
        plain = time_plain_loop(sink, messages)
        print(f"(a) email package + one smtplib connection: {plain:8.0f} messages/s", flush=True)
        rendered = [personalised(n).as_bytes() for n in range(messages)]
        replay = time_replay(sink, rendered)
        print(f"(b) pre-rendered bytes over smtplib: {replay:8.0f} messages/s", flush=True)
        ceiling = time_sink_ceiling(sink, rendered)
        print(f"sink ceiling (raw socket, pipelined writes): {ceiling:8.0f} messages/s")
    print(f"worker / (b): {worker / replay:.2f}; sink ceiling / worker: {ceiling / worker:.1f}")
    print(f"ratio: {worker / plain:.2f}")


if __name__ == "__main__":
    main()
