"""Pause and resume: the working time left when an escalation starts waiting is what is left
when it stops, on 24x7 and on business hours, and a severity change counts a pause once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from escalator.settings import DEFAULT_SEVERITIES
from escalator.sla import (
    Calendar,
    Policy,
    SlaState,
    next_escalation_at,
    paused_working,
    resume,
    retarget,
    targets_for,
)
from escalator.sla.warnings import due_warnings, next_warning_at

H = timedelta(hours=1)
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NY = ZoneInfo("America/New_York")
# no holiday country: the dates below are plain working days and weekends
OFFICE = Calendar("office", timezone="America/New_York", start=time(9), end=time(17))
BUSINESS = Policy(
    severities={**DEFAULT_SEVERITIES,
                3: replace(DEFAULT_SEVERITIES[3], response=H * 8, calendar="office"),
                4: replace(DEFAULT_SEVERITIES[4], calendar="office")},
    calendars={"office": OFFICE},
)
P = Policy()


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in December 2026 (4th is a Friday, 7th a Monday), as UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=NY).astimezone(UTC)


def test_24x7_resume_moves_due_times_by_the_wait() -> None:
    t = targets_for(P, 2, T0)
    r = resume(P, 2, T0 + H, T0 + 3 * H, t.response_due_at, t.resolution_due_at)
    assert r.response_due_at == T0 + 6 * H  # 4h target, 2h of it waiting
    assert r.resolution_due_at == T0 + 72 * H + 2 * H
    assert r.waited == 2 * H


def test_business_hours_friday_to_monday_keeps_the_working_time_left() -> None:
    # severity 3 on office hours: 8 working hours. Opened Friday 12:00 -> due Monday 12:00
    # (Fri 12-17 = 5h, Mon 9-12 = 3h). Waiting Friday 16:00 (1h done of the 5h Friday, 4h
    # left) until Monday 10:00: 4h remain from Monday 10:00 -> Monday 14:00.
    t = targets_for(BUSINESS, 3, ny(4, 12))
    assert t.response_due_at == ny(7, 12)
    r = resume(BUSINESS, 3, ny(4, 16), ny(7, 10), t.response_due_at, t.resolution_due_at)
    assert r.response_due_at == ny(7, 14)  # not Thursday: 66 wall-clock hours are 2 working
    assert OFFICE.working_time(ny(7, 10), r.response_due_at) == \
        OFFICE.working_time(ny(4, 16), t.response_due_at) == 4 * H
    assert r.resolution_due_at == OFFICE.add(t.resolution_due_at, 2 * H)
    assert r.waited == timedelta(hours=66)


def test_a_wait_outside_working_hours_moves_nothing() -> None:
    t = targets_for(BUSINESS, 4, ny(4, 10))
    r = resume(BUSINESS, 4, ny(5, 11), ny(6, 20), t.response_due_at, t.resolution_due_at)
    assert (r.response_due_at, r.resolution_due_at) == (t.response_due_at, t.resolution_due_at)


def test_a_breached_target_keeps_its_next_windows_in_working_time() -> None:
    # due Friday 13:00, 2 working hours overdue when it waits Friday 15:00 until Monday
    # 11:00 (4 working hours): 2 working hours overdue after it, the deadline Friday 17:00
    t = targets_for(BUSINESS, 3, ny(3, 13))  # Thursday 13:00 + 8h -> Friday 13:00
    assert t.response_due_at == ny(4, 13)
    r = resume(BUSINESS, 3, ny(4, 15), ny(7, 11), t.response_due_at, t.resolution_due_at)
    assert r.response_due_at == ny(4, 17)
    assert OFFICE.working_time(r.response_due_at, ny(7, 11)) == 2 * H
    # the next window (8h more) counts from there: Monday 17:00, not Friday + 8h wall
    s = SlaState(severity=3, status="working", rung="manager", acknowledged_at=None,
                 paused_at=None, response_due_at=r.response_due_at,
                 resolution_due_at=r.resolution_due_at, response_breaches=1,
                 opened_at=ny(3, 13))
    assert next_escalation_at(BUSINESS, s) == ny(7, 17)


def test_severity_change_while_waiting_counts_the_pause_once() -> None:
    # severity 2 opened T0 (4h response); waiting from T0+1h; at T0+3h lowered to 3;
    # resumed at T0+5h. 4h waited in all: response due T0 + 24h + 4h, not + 6h.
    t2 = targets_for(P, 2, T0)
    changed = retarget(P, 2, 3, T0, t2.response_due_at)
    assert changed.response_due_at == T0 + 24 * H  # the running pause is not counted yet
    r = resume(P, 3, T0 + H, T0 + 5 * H, changed.response_due_at, changed.resolution_due_at)
    assert r.response_due_at == T0 + 28 * H
    assert r.resolution_due_at == T0 + 240 * H + 4 * H


def test_severity_change_after_a_pause_keeps_it() -> None:
    t2 = targets_for(P, 2, T0)
    r = resume(P, 2, T0 + H, T0 + 3 * H, t2.response_due_at, t2.resolution_due_at)
    assert paused_working(P, 2, T0, r.response_due_at) == 2 * H
    changed = retarget(P, 2, 1, T0, r.response_due_at)
    assert (changed.response_due_at, changed.resolution_due_at) == (T0 + 3 * H, T0 + 26 * H)


def test_business_hours_severity_change_after_a_pause() -> None:
    # severity 3 opened Friday 12:00, waited Friday 16:00 - Monday 10:00 (2 working hours)
    t = targets_for(BUSINESS, 3, ny(4, 12))
    r = resume(BUSINESS, 3, ny(4, 16), ny(7, 10), t.response_due_at, t.resolution_due_at)
    assert paused_working(BUSINESS, 3, ny(4, 12), r.response_due_at) == 2 * H
    # to severity 4 (48 working hours, same calendar): 48h + 2h from Friday 12:00
    changed = retarget(BUSINESS, 3, 4, ny(4, 12), r.response_due_at)
    assert changed.response_due_at == OFFICE.add(ny(4, 12), 50 * H) == ny(14, 14)


def test_warnings_after_a_business_hours_pause_use_the_working_window() -> None:
    t = targets_for(BUSINESS, 3, ny(4, 12))
    r = resume(BUSINESS, 3, ny(4, 16), ny(7, 10), t.response_due_at, t.resolution_due_at)
    s = SlaState(severity=3, status="working", rung="manager", acknowledged_at=None,
                 paused_at=None, response_due_at=r.response_due_at,
                 resolution_due_at=r.resolution_due_at, opened_at=ny(4, 12),
                 paused_seconds=66 * 3600)
    assert next_escalation_at(BUSINESS, s) == ny(7, 14)
    # the window is 8 working hours from Friday 14:00 (opening + the 2 paused hours):
    # 75% = 6h -> Monday 12:00
    [w75, _] = [w for w in due_warnings(BUSINESS, s, ny(7, 13, 30)) if w.target == "response"]
    assert (w75.fraction, w75.at) == (0.75, ny(7, 12))
    assert next_warning_at(BUSINESS, s, ny(7, 10)) == ny(7, 12)
