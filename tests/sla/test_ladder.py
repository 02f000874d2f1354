"""The response and resolution ladders as pure functions of (policy, state, now)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from escalator.settings import RUNGS
from escalator.sla import (
    Breach,
    SlaState,
    due_breaches,
    next_escalation_at,
    resume,
    targets_for,
)
from tests.sla.states import T0, H, P, state


def apply(s: SlaState, breaches: list[Breach]) -> SlaState:
    for b in breaches:
        s = replace(s, rung=b.rung, **{f"{b.target}_breaches": b.number})  # type: ignore[arg-type]
    return s


def test_seed_002_targets_and_first_rungs() -> None:
    for sev, response, rung in ((1, 1 * H, "vp"), (2, 4 * H, "director"),
                                (3, 24 * H, "manager"), (4, 48 * H, "csm")):
        t = targets_for(P, sev, T0)
        assert (t.response_due_at - T0, t.first_rung) == (response, rung)


def test_nothing_due_before_the_response_target() -> None:
    s = state(2)
    assert due_breaches(P, s, T0 + 4 * H - timedelta(seconds=1)) == []
    assert next_escalation_at(P, s) == T0 + 4 * H


def test_missed_response_notifies_the_next_rung_once() -> None:
    s = state(2)
    due = due_breaches(P, s, T0 + 4 * H)
    assert due == [Breach("response", T0 + 4 * H, "vp", 1)]
    s = apply(s, due)
    assert due_breaches(P, s, T0 + 4 * H + timedelta(minutes=5)) == []
    assert next_escalation_at(P, s) == T0 + 8 * H


def test_downtime_catches_every_missed_rung_up_in_order_and_stops_at_the_top() -> None:
    s = state(3)  # manager first, 24h windows
    due = due_breaches(P, s, T0 + timedelta(days=30))
    assert [(b.target, b.rung) for b in due] == [
        ("response", "director"), ("response", "vp"), ("response", "executive")]
    assert [b.due_at for b in due] == [T0 + 24 * H, T0 + 48 * H, T0 + 72 * H]
    s = apply(s, due)
    assert s.rung == "executive"
    assert next_escalation_at(P, s) is None
    assert due_breaches(P, s, T0 + timedelta(days=300)) == []


def test_acknowledgement_stops_the_response_ladder_but_not_resolution() -> None:
    s = state(2, acknowledged_at=T0 + H)
    assert due_breaches(P, s, T0 + 10 * H) == []
    assert next_escalation_at(P, s) == T0 + timedelta(days=3)
    due = due_breaches(P, s, T0 + timedelta(days=3))
    assert due == [Breach("resolution", T0 + timedelta(days=3), "vp", 1)]


def test_done_and_waiting_stop_both_clocks() -> None:
    assert due_breaches(P, state(1, status="done"), T0 + 99 * H) == []
    paused = state(1, status="waiting", paused_at=T0)
    assert due_breaches(P, paused, T0 + 99 * H) == []
    assert next_escalation_at(P, paused) is None
    r = resume(P, 1, T0, T0 + 3 * H, paused.response_due_at, paused.resolution_due_at)
    assert (r.response_due_at, r.waited) == (paused.response_due_at + 3 * H, 3 * H)
    r = resume(P, 1, T0, T0 - H, paused.response_due_at, paused.resolution_due_at)
    assert (r.response_due_at, r.waited) == (paused.response_due_at, timedelta(0))


@settings(max_examples=300, deadline=None)
@given(severity=st.integers(1, 4),
       ticks=st.lists(st.integers(0, 60 * 24 * 40), min_size=1, max_size=20),
       ack_after=st.one_of(st.none(), st.integers(0, 60 * 24 * 40)))
def test_any_sequence_of_ticks_notifies_each_rung_at_most_once_in_ladder_order(
        severity: int, ticks: list[int], ack_after: int | None) -> None:
    s = state(severity)
    seen: list[tuple[str, str]] = []
    for minutes in sorted(ticks):
        now = T0 + timedelta(minutes=minutes)
        if ack_after is not None and minutes >= ack_after and s.acknowledged_at is None:
            s = replace(s, acknowledged_at=T0 + timedelta(minutes=ack_after))
        due = due_breaches(P, s, now)
        assert all(b.due_at <= now for b in due)
        assert [b.due_at for b in due] == sorted(b.due_at for b in due)
        seen += [(b.target, b.rung) for b in due]
        s = apply(s, due)
    rungs = [RUNGS.index(r) for _, r in seen]
    assert rungs == sorted(set(rungs))  # strictly climbing: no rung twice
    assert len(set(seen)) == len(seen)
