"""Warnings at fractions of each running window; pauses and severity changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from escalator.sla import Policy, due_warnings, next_warning_at, targets_for
from escalator.sla.ladder import next_escalation_at
from tests.sla.states import T0, H, P, state


def test_first_warning_at_75_percent_of_the_response_window() -> None:
    s = state(2)  # 4h response
    assert next_warning_at(P, s, T0) == T0 + 3 * H
    assert due_warnings(P, s, T0 + 3 * H - timedelta(seconds=1)) == []
    [w] = due_warnings(P, s, T0 + 3 * H)
    assert (w.target, w.number, w.fraction, w.due_at) == ("response", 1, 0.75, T0 + 4 * H)
    both = due_warnings(P, s, T0 + 3.6 * H)
    assert [w.fraction for w in both] == [0.75, 0.9]
    assert len({w.key for w in both}) == 2


def test_a_passed_deadline_drops_its_warnings() -> None:
    assert due_warnings(P, state(2), T0 + 4 * H) == []


def test_second_window_warns_again_and_resolution_warns_too() -> None:
    s = state(2, response_breaches=1, rung="vp")  # second response window: 4h..8h
    assert next_warning_at(P, s, T0 + 4 * H) == T0 + 7 * H
    acked = state(2, acknowledged_at=T0)
    [w] = due_warnings(P, acked, T0 + timedelta(days=3) * 0.75)
    assert (w.target, w.number) == ("resolution", 1)


def test_paused_done_or_top_rung_never_warn() -> None:
    for s in (state(2, status="waiting", paused_at=T0), state(2, status="done"),
              state(2, rung="executive")):
        assert due_warnings(P, s, T0 + 3.5 * H) == []
        assert next_warning_at(P, s, T0) is None


def test_warning_fractions_are_configurable() -> None:
    p = Policy(warnings=(0.5,))
    [w] = due_warnings(p, state(2), T0 + 2 * H)
    assert w.fraction == 0.5


@settings(max_examples=200, deadline=None)
@given(severity=st.integers(1, 4), paused=st.integers(0, 60 * 24 * 30))
def test_pausing_never_shortens_a_target(severity: int, paused: int) -> None:
    s = state(severity)
    shift = timedelta(minutes=paused)
    later = targets_for(P, severity, T0, shift)
    assert later.response_due_at >= s.response_due_at
    assert later.resolution_due_at - s.resolution_due_at == shift
    resumed = replace(s, response_due_at=later.response_due_at,
                      resolution_due_at=later.resolution_due_at, paused_seconds=paused * 60)
    before, after = next_escalation_at(P, s), next_escalation_at(P, resumed)
    assert before is not None and after is not None and after >= before


def test_a_warning_key_names_its_window_and_fits_the_notice_column() -> None:
    s = state(2)
    [w] = due_warnings(P, s, T0 + 3 * H)
    moved = replace(s, response_due_at=s.response_due_at + 2 * H)  # a severity change, say
    [w2] = due_warnings(P, moved, T0 + 5 * H)  # 75% of 2h..6h
    assert (w2.target, w2.number, w2.fraction) == (w.target, w.number, w.fraction)
    assert w2.key != w.key
    from escalator.sla.warnings import Warning

    far = T0 + timedelta(days=365 * 100)
    assert len(Warning("resolution", 5, 0.999, far, far).key) <= 20
