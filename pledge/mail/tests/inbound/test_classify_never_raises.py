"""Whatever arrives, classify answers with a valid kind and never raises."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledge.mail.inbound.classify import KINDS, classify

CORPUS = Path(__file__).parent / "corpus" / "mail"
# Small messages keep each example fast; the big ones are in the corpus test already.
SEEDS = sorted(
    path.read_bytes()
    for path in CORPUS.rglob("*")
    if path.is_file() and path.stat().st_size < 20_000
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A corpus message truncated, with flipped bytes, NULs, a header dropped or CR-only lines."""
    raw = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        mutation = draw(
            st.sampled_from(["truncate", "flip", "nul", "drop-header", "cr-only", "no-colon"])
        )
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        if mutation == "truncate":
            raw = raw[:at]
        elif mutation == "flip" and raw:
            raw = raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]
        elif mutation == "nul":
            raw = raw[:at] + b"\x00" * draw(st.integers(1, 8)) + raw[at:]
        elif mutation == "drop-header":
            lines = raw.split(b"\n")
            del lines[draw(st.integers(0, len(lines) - 1))]
            raw = b"\n".join(lines)
        elif mutation == "cr-only":
            raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
        elif mutation == "no-colon":
            raw = b"Header without a colon\n" + raw.replace(b":", b"", 1)
    return raw


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_corpus_message_gets_a_valid_kind(raw: bytes) -> None:
    result = classify(raw)

    assert (KINDS.count(result.kind), bool(result.reason)) == (1, True)


@settings(max_examples=800, deadline=None)
@given(st.binary(max_size=4000), st.lists(st.text(max_size=40), max_size=3))
def test_random_bytes_get_a_valid_kind(raw: bytes, envelope: list[str]) -> None:
    result = classify(raw, envelope)

    assert (KINDS.count(result.kind), bool(result.reason)) == (1, True)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "Content-Type",
                    "Subject",
                    "From",
                    "To",
                    "Auto-Submitted",
                    "Precedence",
                    "Content-Transfer-Encoding",
                    "X-Failed-Recipients",
                    "Delivered-To",
                ]
            ),
            st.text(max_size=60),
        ),
        max_size=8,
    ),
    st.text(max_size=500),
)
def test_random_headers_and_body_get_a_valid_kind(
    headers: list[tuple[str, str]], body: str
) -> None:
    raw = "".join(f"{name}: {value}\r\n" for name, value in headers).encode(
        "utf-8", "surrogatepass"
    )
    raw += b"\r\n" + body.encode("utf-8", "surrogatepass")

    result = classify(raw)

    assert (KINDS.count(result.kind), bool(result.reason)) == (1, True)
