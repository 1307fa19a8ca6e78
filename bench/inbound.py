"""Classify the inbound-mail corpus with Pledge and with flufl.bounce alone, and compare.

    .venv/bin/python bench/inbound.py [--misses]

Counts bounces recognised, failed recipients exactly right, non-bounces taken for bounces,
hard bounces wrongly called, and milliseconds per message; ends with ``ratio: R``, Pledge's
exactly-right rate over flufl.bounce's.
"""

from __future__ import annotations

import csv
import logging
import sys
import time
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

import flufl.bounce

from pledge.mail.inbound.classify import classify

CORPUS = Path(__file__).resolve().parent.parent / "pledge/mail/tests/inbound/corpus"


@dataclass
class Case:
    path: str
    kind: str
    recipients: frozenset[str]
    raw: bytes


@dataclass
class Verdict:
    kind: str  # "bounce-hard", "bounce-soft", "bounce" (hard/soft unknown) or another class
    recipients: frozenset[str]


def load() -> list[Case]:
    with (CORPUS / "expected.tsv").open(encoding="utf-8", newline="") as rows:
        return [
            Case(
                row["path"],
                row["class"],
                frozenset(a.lower() for a in row["failed_recipients"].split(",") if a),
                (CORPUS / row["path"]).read_bytes(),
            )
            for row in csv.DictReader(rows, delimiter="\t")
        ]


def pledge(raw: bytes) -> Verdict:
    result = classify(raw)
    return Verdict(result.kind, frozenset(result.recipients))


def flufl_alone(raw: bytes) -> Verdict:
    """flufl.bounce as its docs say: all_failures() on the parsed message; permanent = hard."""
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(raw)
        temporary, permanent = flufl.bounce.all_failures(message)
    except Exception:
        return Verdict("human", frozenset())
    found = frozenset(a.decode("utf-8", "replace").lower() for a in temporary | permanent)
    if not found:
        return Verdict("human", frozenset())
    return Verdict("bounce-hard" if permanent else "bounce-soft", found)


def measure(name: str, judge, cases: list[Case], misses: bool) -> float:
    # Best of three rounds: the figure is the code's cost, not the machine's other work.
    elapsed = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        verdicts = [judge(case.raw) for case in cases]
        elapsed = min(elapsed, time.perf_counter() - started)
    bounces = [(c, v) for c, v in zip(cases, verdicts, strict=True) if c.kind.startswith("bounce")]
    others = [
        (c, v) for c, v in zip(cases, verdicts, strict=True) if not c.kind.startswith("bounce")
    ]
    recognised = sum(v.kind.startswith("bounce") for _, v in bounces)
    exact = sum(v.kind.startswith("bounce") and v.recipients == c.recipients for c, v in bounces)
    false_bounces = sum(v.kind.startswith("bounce") for _, v in others)
    wrong_hard = sum(
        v.kind == "bounce-hard" and c.kind != "bounce-hard"
        for c, v in zip(cases, verdicts, strict=True)
    )
    hard_right = sum(v.kind == c.kind for c, v in bounces)
    automatic = [(c, v) for c, v in others if c.kind in ("auto-reply", "challenge-response")]
    auto_right = sum(v.kind == c.kind for c, v in automatic)
    print(f"{name}")
    print(
        f"  bounces recognised:            {recognised}/{len(bounces)} ({100 * recognised / len(bounces):.1f}%)"
    )
    print(
        f"  failed recipients exactly right: {exact}/{len(bounces)} ({100 * exact / len(bounces):.1f}%)"
    )
    print(f"  hard/soft right:               {hard_right}/{len(bounces)}")
    print(f"  non-bounces marked as bounces: {false_bounces}/{len(others)}")
    print(f"  hard bounces wrongly called:   {wrong_hard}")
    print(f"  auto-replies and challenges recognised: {auto_right}/{len(automatic)}")
    print(f"  ms per message:                {1000 * elapsed / len(cases):.2f}")
    if misses:
        for case, verdict in zip(cases, verdicts, strict=True):
            right = verdict.kind == case.kind and (
                not case.kind.startswith("bounce") or verdict.recipients == case.recipients
            )
            if not right:
                got = ",".join(sorted(verdict.recipients))
                want = ",".join(sorted(case.recipients))
                print(f"    {case.path}\t{verdict.kind} {got}\twant {case.kind} {want}")
    return exact / len(bounces)


def main() -> None:
    # flufl.bounce logs a traceback for every detector that raises; the counts say enough.
    logging.getLogger("flufl.bounce").disabled = True
    misses = "--misses" in sys.argv
    cases = load()
    print(f"{len(cases)} messages")
    ours = measure("Pledge", pledge, cases, misses)
    theirs = measure("flufl.bounce alone", flufl_alone, cases, misses=False)
    print(f"ratio: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
