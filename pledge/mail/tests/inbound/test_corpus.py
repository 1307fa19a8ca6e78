"""Every corpus message gets its expected class and, for a bounce, exactly its failed recipients.

The messages and expected.tsv are the shared development corpus (see corpus/README.md). The few
we do not get right yet are listed in known_failures.tsv with what we get; a listed message that
starts passing, or changes its wrong answer, fails here as well, so the list stays true.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pledge.mail.inbound.classify import classify

CORPUS = Path(__file__).parent / "corpus"


def read_tsv(name: str) -> dict[str, dict[str, str]]:
    with (Path(__file__).parent / name).open(encoding="utf-8", newline="") as rows:
        return {row["path"]: row for row in csv.DictReader(rows, delimiter="\t")}


EXPECTED = read_tsv("corpus/expected.tsv")
KNOWN_FAILURES = read_tsv("known_failures.tsv")


def outcome(kind: str, recipients: list[str] | tuple[str, ...]) -> str:
    """One comparable line: the class, then the sorted failed recipients of a bounce."""
    addresses = ",".join(sorted(address.lower() for address in recipients))
    return f"{kind} {addresses}" if kind.startswith("bounce") and addresses else kind


def expected_outcome(row: dict[str, str]) -> str:
    return outcome(row["class"], [a for a in row["failed_recipients"].split(",") if a])


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_corpus_message_gets_its_expected_class_and_recipients(path: str) -> None:
    raw = (CORPUS / path).read_bytes()

    result = classify(raw)

    known = KNOWN_FAILURES.get(path)
    wanted = known["we_get"] if known else expected_outcome(EXPECTED[path])
    assert outcome(result.kind, result.recipients) == wanted


def test_known_failures_are_corpus_messages_we_get_wrong() -> None:
    listed = {path: row["we_get"] for path, row in KNOWN_FAILURES.items()}

    right_answers = {path: expected_outcome(EXPECTED[path]) for path in listed}

    assert [path for path in listed if right_answers[path] == listed[path]] == []
