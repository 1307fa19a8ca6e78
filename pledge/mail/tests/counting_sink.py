"""A minimal SMTP server that only counts what it accepts, by Message-ID.

aiosmtpd (``pledge.mail.catcher``) parses and keeps every message and caps near
1,000–2,000 messages a second, which would hide the worker's own speed and slow a
crash test of thousands of messages. This one speaks just enough SMTP for
``smtplib`` (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), offers RFC 2920
PIPELINING (it answers commands in order as they come, however they are grouped),
accepts everything, and keeps per Message-ID how often it arrived and whether
every copy was the same bytes. It runs on its own event loop in a thread; start it with ``start()``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections import Counter
from typing import Any

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class CountingSink:
    """Accepts every message; ``counts`` holds how often each Message-ID arrived."""

    def __init__(self, *, keep: bool = True, pace: float = 0.0) -> None:
        # keep=False only counts messages (a benchmark's sink): no parsing at all.
        self.keep = keep
        # pace: accept at most this many messages a second in all, each answer held
        # back till its turn, so that a crash test's kills all come while mail is left.
        self.pace = pace
        self._next_slot = 0.0
        self.counts: Counter[str] = Counter()
        self.accepted = 0
        # Message-IDs whose copies were not byte for byte the same.
        self.changed: set[str] = set()
        self._digests: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.host = "127.0.0.1"
        self.port = 0

    def start(self) -> CountingSink:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._session, self.host, 0, limit=2**24), self._loop
        )
        self._server = started.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def snapshot(self) -> Counter[str]:
        """A copy of the counts, safe to read while sessions go on."""
        with self._lock:
            return Counter(self.counts)

    def _record(self, data: bytes) -> None:
        with self._lock:
            self.accepted += 1
            if not self.keep:
                return
            found = MESSAGE_ID.search(data)
            message_id = found.group(1).decode("ascii", "replace") if found else ""
            digest = hashlib.blake2b(data, digest_size=16).digest()
            if self._digests.setdefault(message_id, digest) != digest:
                self.changed.add(message_id)
            self.counts[message_id] += 1

    async def _wait_turn(self) -> None:
        if not self.pace:
            return
        now = self._loop.time()
        slot = max(self._next_slot, now)
        self._next_slot = slot + 1 / self.pace
        await asyncio.sleep(slot - now)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"220 sink.localhost ESMTP\r\n")
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(b"250-sink.localhost\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    data = await reader.readuntil(b"\r\n.\r\n")
                    await self._wait_turn()
                    self._record(data)
                    writer.write(b"250 accepted\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                else:  # HELO, MAIL, RCPT, RSET, NOOP: all fine
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # a worker killed mid-session
        finally:
            writer.close()

    def __enter__(self) -> CountingSink:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
