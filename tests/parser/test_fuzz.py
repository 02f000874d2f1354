"""Property: a mutated seed-004 email (truncated, bytes flipped, headers folded oddly,
MIME boundaries broken) never raises, and every field whose bytes the mutation left
alone, with nothing mutated before it in the body, is still read."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from parser import Intake, ParseSettings, Rejection, parse

from .conftest import FUZZ_COUNTS

HEAD = (
    "From: Dana Whitfield <dana.whitfield@example.com>\r\n"
    "To: escalations@example.com\r\n"
    "Subject: Escalation: Acme Corp – Recurring login failures\r\n"
    "Date: Tue, 4 Mar 2025 09:12:44 -0600\r\n"
    "Message-ID: <fuzz-seed@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
)
BODY = (
    "Hi Marco,\r\n\r\n"
    "Flagging a situation with Acme Corp that needs escalation:\r\n\r\n"
    "• Issue: Recurring feature complaints + risk of churn\r\n"
    "• Risk Level: High\r\n"
    "• Timeline: Ongoing since 02/10\r\n\r\n"
    "Actions Taken:\r\n"
    "• Attempted de-escalation on 02/24\r\n"
    "• Offered training\r\n\r\n"
    "Escalation Ask:\r\n"
    "• Executive outreach\r\n\r\n"
    "Let me know how you’d like to proceed.\r\n\r\nBest,\r\nDana\r\n"
)
PLAIN = (HEAD + "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\n\r\n" + BODY).encode()
BOUNDARY = "b1_fuzzboundary"
MULTIPART = (
    HEAD + f'Content-Type: multipart/alternative; boundary="{BOUNDARY}"\r\n\r\n'
    f"--{BOUNDARY}\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n" + BODY +
    f"\r\n--{BOUNDARY}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    "<p><b>Issue:</b> Recurring feature complaints</p><p>Risk Level: High</p>\r\n"
    f"--{BOUNDARY}--\r\n"
).encode()

# field -> (the bytes that carry it and end it: the next label or blank line, its value)
FIELDS: dict[str, tuple[bytes, object]] = {
    "issue": ("• Issue: Recurring feature complaints + risk of churn\r\n"
              "• Risk Level: High\r\n".encode(),
              "Recurring feature complaints + risk of churn"),
    "risk_level": ("• Risk Level: High\r\n• Timeline: Ongoing since 02/10\r\n".encode(),
                   "High"),
    "timeline": ("• Timeline: Ongoing since 02/10\r\n\r\n".encode(), "Ongoing since 02/10"),
    "actions_taken": ("Actions Taken:\r\n• Attempted de-escalation on 02/24\r\n"
                      "• Offered training\r\n\r\n".encode(),
                      ("Attempted de-escalation on 02/24", "Offered training")),
    "ask": ("Escalation Ask:\r\n• Executive outreach\r\n\r\n".encode(),
            ("Executive outreach",)),
}
HEADER_END = PLAIN.index(b"\r\n\r\n") + 4
SETTINGS = ParseSettings()


def _check(mutated: bytes, first_touched: int, kind: str) -> None:
    FUZZ_COUNTS[kind] = FUZZ_COUNTS.get(kind, 0) + 1
    result = parse(mutated, SETTINGS)
    if isinstance(result, Rejection):
        assert not any("could not be read" in p.message for p in result.problems)
    if first_touched < HEADER_END:
        return  # the headers themselves changed: anything may follow
    assert isinstance(result, Intake), result
    assert (result.account, result.summary) == ("Acme Corp", "Recurring login failures")
    for name, (carrier, value) in FIELDS.items():
        end = PLAIN.index(carrier) + len(carrier)
        if first_touched >= end:
            assert getattr(result, name) == value, (name, mutated[HEADER_END:])


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=len(PLAIN)))
def test_truncated(cut: int) -> None:
    _check(PLAIN[:cut], cut, "truncated")


@settings(max_examples=3000, deadline=None)
@given(flips=st.lists(st.tuples(st.integers(0, len(PLAIN) - 1), st.integers(0, 255)),
                      min_size=1, max_size=6))
@example(flips=[(465, 128), (518, 0)])  # two damaged bullets: the rest is still UTF-8
def test_bytes_flipped(flips: list[tuple[int, int]]) -> None:
    data = bytearray(PLAIN)
    for position, value in flips:
        data[position] = value
    changed = [p for p, v in flips if PLAIN[p] != v] or [len(PLAIN)]
    _check(bytes(data), min(changed), "flipped")


@settings(max_examples=1500, deadline=None)
@given(folds=st.lists(st.tuples(st.integers(0, HEADER_END - 5), st.sampled_from(
    [b"\r\n ", b"\r\n\t", b"\n ", b"\r\n    "])), min_size=1, max_size=5))
def test_headers_folded_oddly(folds: list[tuple[int, bytes]]) -> None:
    data = PLAIN[:HEADER_END]
    # fold only where folding is legal: before a space inside a header line
    for position, fold in sorted(folds, reverse=True):
        space = data.find(b" ", position)
        if 0 < space < HEADER_END - 4 and data[space - 1:space] not in (b"\n", b":"):
            data = data[:space] + fold + data[space + 1:]
    mutated = data + PLAIN[HEADER_END:]
    FUZZ_COUNTS["folded"] = FUZZ_COUNTS.get("folded", 0) + 1
    result = parse(mutated, SETTINGS)
    assert isinstance(result, Intake), result
    assert (result.account, result.summary, result.risk_level) == (
        "Acme Corp", "Recurring login failures", "High")


@settings(max_examples=1500, deadline=None)
@given(where=st.integers(0, 10), junk=st.binary(max_size=8), cut=st.integers(0, 400))
def test_boundaries_broken(where: int, junk: bytes, cut: int) -> None:
    marker = f"--{BOUNDARY}".encode()
    positions = [i for i in range(len(MULTIPART)) if MULTIPART.startswith(marker, i)]
    position = positions[where % len(positions)]
    mutated = MULTIPART[:position] + junk + MULTIPART[position + 2 + cut % 12:]
    FUZZ_COUNTS["boundary"] = FUZZ_COUNTS.get("boundary", 0) + 1
    result = parse(mutated, SETTINGS)
    # headers intact: the subject still gives account and summary
    assert isinstance(result, Intake), result
    assert (result.account, result.summary) == ("Acme Corp", "Recurring login failures")
