"""Property tests: whatever comes in, no exception escapes and every message is stored and processed.

Messages are the corpus's real ones, mutated (cut, spliced, bytes flipped or inserted, line
ends changed, NULs, a header's colon taken away), and random bytes, to every address we
take mail at. 10,000 go straight to the intake (what both commands call), a few hundred
more through ``pledge mail serve`` over LMTP. The 10,000 are stored and classified (the
part that must never fail before the mail server hears "yes"); 1,000 of them go the whole
way, acted on as well (support tickets, data requests, bounces, opt-outs).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledge.mail.inbound.classify import KINDS, classify
from pledge.mail.inbound.intake import envelope_digest, receive, store
from pledge.mail.inbound.models import InboundMessage

from .processes import InboundDatabase, inbound_database, lmtp_deliver, serving, wait_for

CORPUS = Path(__file__).parent / "corpus"
with (CORPUS / "expected.tsv").open(encoding="utf-8", newline="") as rows:
    PATHS = sorted(row["path"] for row in csv.DictReader(rows, delimiter="\t"))
RAW = {path: (CORPUS / path).read_bytes() for path in PATHS}

RECIPIENTS = st.sampled_from(
    [
        "support@claxton.com",
        "privacy@claxton.com",
        "bounces+" + "a" * 32 + "@claxton.localhost",
        "unsubscribe+" + "b" * 32 + "@claxton.localhost",
        "nobody@claxton.localhost",
    ]
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A corpus message with a few random mutations."""
    raw = bytearray(RAW[draw(st.sampled_from(PATHS))])
    for _ in range(draw(st.integers(0, 4))):
        where = draw(st.integers(0, len(raw)))
        kind = draw(
            st.sampled_from(
                ["cut", "insert", "flip", "delete", "line ends", "nul", "colon", "splice"]
            )
        )
        if kind == "cut":
            del raw[where:]
        elif kind == "insert":
            raw[where:where] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "flip" and raw:
            raw[min(where, len(raw) - 1)] = draw(st.integers(0, 255))
        elif kind == "delete":
            del raw[where : where + draw(st.integers(1, 200))]
        elif kind == "line ends":
            old, new = draw(st.sampled_from([(b"\n", b"\r"), (b"\r\n", b"\n"), (b"\n", b"\r\n")]))
            raw = bytearray(bytes(raw).replace(old, new))
        elif kind == "nul":
            raw[where:where] = b"\x00"
        elif kind == "colon":
            colon = raw.find(b":", where)
            if colon >= 0:
                del raw[colon]
        elif kind == "splice":
            other = RAW[draw(st.sampled_from(PATHS))]
            raw[where:] = other[draw(st.integers(0, len(other))) :]
    return bytes(raw)


messages = st.one_of(mutated(), st.binary(max_size=3000))


QUICK = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(QUICK, max_examples=10_000)
@given(raw=messages, recipient=RECIPIENTS, sender=st.sampled_from(["", "someone@example.org"]))
@pytest.mark.django_db
def test_every_message_is_stored_as_received_and_classified(
    raw: bytes, recipient: str, sender: str
) -> None:
    row, _ = store(raw, mail_from=sender, recipients=[recipient], via="pipe")
    result = classify(bytes(row.raw), row.recipients)

    stored = InboundMessage.objects.get(digest=envelope_digest(raw, sender, [recipient]))
    assert (stored.pk, bytes(stored.raw), stored.recipients) == (row.pk, raw, [recipient])
    assert result.kind in KINDS


@settings(QUICK, max_examples=1_000)
@given(raw=messages, recipient=RECIPIENTS, sender=st.sampled_from(["", "someone@example.org"]))
@pytest.mark.django_db
def test_every_message_is_acted_on_or_its_error_kept_and_nothing_escapes(
    policy, raw: bytes, recipient: str, sender: str
) -> None:
    row, _ = receive(raw, mail_from=sender, recipients=[recipient], via="pipe")

    stored = InboundMessage.objects.get(digest=envelope_digest(raw, sender, [recipient]))
    assert (stored.pk, bytes(stored.raw)) == (row.pk, raw)
    # Processed; or, if a handler failed, the error kept on the row for the retry.
    assert stored.processed_at is not None or stored.last_error != ""


@pytest.fixture(scope="module")
def database(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None
) -> Iterator[InboundDatabase]:
    with inbound_database(tmp_path_factory.mktemp("lmtp-properties")) as database:
        yield database


@pytest.fixture(scope="module")
def lmtp_port(database: InboundDatabase) -> Iterator[int]:
    with serving(database) as port:
        yield port


@settings(QUICK, max_examples=300)
@given(raw=messages, recipient=RECIPIENTS)
def test_every_message_over_lmtp_is_answered_250_and_stored(
    database: InboundDatabase, lmtp_port: int, raw: bytes, recipient: str
) -> None:
    # A mail server speaks LMTP in CRLF lines, whatever line ends the message came with.
    sent = re.sub(rb"\r\n|\r|\n", b"\r\n", raw)
    sent = sent if sent.endswith(b"\r\n") else sent + b"\r\n"

    codes = lmtp_deliver(lmtp_port, sent, "fuzz@example.org", recipient)

    assert codes == [250]
    wait_for(lambda: any(row[0] == sent and row[4] for row in database.rows()))
