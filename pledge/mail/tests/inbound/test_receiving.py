"""The two ways in, as real processes: ``pledge mail receive`` (pipe) and ``pledge mail serve`` (LMTP).

Every message is stored byte for byte before the mail server hears "yes"; while the
database cannot take it the answer is 75 / 451 and the mail server keeps it; when the
database is back the retried delivery is stored once, and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .malformed import SUPPORT, big_attachment, malformed
from .processes import InboundDatabase, inbound_database, lmtp_deliver, serving, wait_for

NORMAL = (
    b"From: Buyer <buyer@example.org>\nTo: support@claxton.com\nSubject: Key\n\nMy key fails.\n"
)


@pytest.fixture(scope="module")
def database(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None
) -> Iterator[InboundDatabase]:
    with inbound_database(tmp_path_factory.mktemp("inbound")) as database:
        yield database


def stored_from(database: InboundDatabase, sender: str) -> list[tuple]:
    return [row for row in database.rows() if row[1] == sender]


def as_sent_over_lmtp(raw: bytes) -> bytes:
    """What a client sends of these bytes: the data as is, ended by CRLF."""
    return raw if raw.endswith(b"\r\n") else raw + b"\r\n"


def test_pipe_stores_every_message_exactly_as_received(database: InboundDatabase) -> None:
    messages = {"normal": NORMAL, **malformed()}

    codes = {
        name: database.receive(raw, "pipe@example.org", SUPPORT).returncode
        for name, raw in messages.items()
    }

    rows = stored_from(database, "pipe@example.org")
    assert codes == {name: 0 for name in messages}
    assert [row[0] for row in rows] == list(messages.values())
    assert all(settled for *_, settled in rows)


def test_pipe_answers_75_while_the_database_is_unavailable_and_stores_once_after(
    database: InboundDatabase,
) -> None:
    raw = b"From: a@example.org\nTo: support@claxton.com\nSubject: retry me\n\nPlease.\n"

    with database.unavailable():
        refused = database.receive(raw, "retry@example.org", SUPPORT)
    retried = database.receive(raw, "retry@example.org", SUPPORT)
    retried_again = database.receive(raw, "retry@example.org", SUPPORT)  # a lost "yes"

    assert (refused.returncode, retried.returncode, retried_again.returncode) == (75, 0, 0)
    assert b"database unavailable" in refused.stderr
    assert retried_again.stdout.startswith(b"already stored as #")
    assert [row[0] for row in stored_from(database, "retry@example.org")] == [raw]


def test_lmtp_answers_250_per_recipient_only_after_storing(database: InboundDatabase) -> None:
    messages = {"normal": NORMAL, **malformed()}

    with serving(database) as port:
        codes = {
            name: lmtp_deliver(port, raw, "lmtp@example.org", SUPPORT, "privacy@claxton.com")
            for name, raw in messages.items()
        }
        wait_for(lambda: all(row[4] for row in stored_from(database, "lmtp@example.org")))

    rows = stored_from(database, "lmtp@example.org")
    assert codes == {name: [250, 250] for name in messages}
    assert [row[0] for row in rows] == [as_sent_over_lmtp(raw) for raw in messages.values()]


def test_lmtp_answers_451_while_the_database_is_unavailable_then_stores_once(
    database: InboundDatabase,
) -> None:
    first, second = (
        f"From: a@example.org\r\nTo: support@claxton.com\r\nSubject: {n}\r\n\r\nHi\r\n".encode()
        for n in ("before", "during")
    )

    with serving(database) as port:
        before = lmtp_deliver(port, first, "outage@example.org", SUPPORT)
        with database.unavailable():
            during = lmtp_deliver(port, second, "outage@example.org", SUPPORT)
        after = lmtp_deliver(port, second, "outage@example.org", SUPPORT)
        again = lmtp_deliver(port, second, "outage@example.org", SUPPORT)

    assert (before, during, after, again) == ([250], [451], [250], [250])
    assert [row[0] for row in stored_from(database, "outage@example.org")] == [first, second]


def test_a_25_mb_attachment_is_stored_both_ways(database: InboundDatabase) -> None:
    raw = big_attachment()

    piped = database.receive(raw, "big-pipe@example.org", SUPPORT)
    with serving(database) as port:
        delivered = lmtp_deliver(port, raw, "big-lmtp@example.org", SUPPORT)

    assert (piped.returncode, delivered) == (0, [250])
    assert [row[0] == raw for row in stored_from(database, "big-pipe@example.org")] == [True]
    assert [row[0] == raw for row in stored_from(database, "big-lmtp@example.org")] == [True]
    assert len(raw) > 25 * 1024 * 1024
