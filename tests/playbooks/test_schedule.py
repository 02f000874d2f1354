"""Task scheduling, pure: due times, and each reminder and climb at most once per task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from escalator.playbooks import TaskSpec, TaskState, due_actions, due_times, next_at
from escalator.playbooks.defaults import HIGH
from escalator.playbooks.schedule import applied

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_due_times_follow_the_opening_and_the_task_before() -> None:
    specs = [TaskSpec("Call the customer", "csm", 30 * timedelta(minutes=1)),
             TaskSpec("Plan", "owner", timedelta(days=1), after=1)]
    assert due_times(specs, T0) == [T0 + 0.5 * H, T0 + 0.5 * H + timedelta(days=1)]
    # closed early: the follower counts from when it was closed
    assert due_times(specs, T0, {1: T0 + 0.1 * H})[1] == T0 + 0.1 * H + timedelta(days=1)


def test_default_high_playbook_due_times() -> None:
    due = due_times(HIGH.tasks, T0)
    assert due[:3] == [T0 + H, T0 + 2 * H, T0 + 4 * H]
    assert due[3] == T0 + 2 * H + timedelta(days=1)  # 1d after 'Call your manager'
    assert due[5] == due[4] + timedelta(days=3)


def test_reminder_then_climb() -> None:
    t = TaskState(T0 + H, 4 * H)
    assert due_actions(t, T0) == [] and next_at(t) == T0 + H
    [remind] = due_actions(t, T0 + H)
    assert remind.kind == "remind"
    t = applied(t, [remind])
    assert next_at(t) == T0 + 5 * H and due_actions(t, T0 + 2 * H) == []
    [climb] = due_actions(t, T0 + 5 * H)
    assert climb.kind == "climb" and climb.due_at == T0 + 5 * H
    t = applied(t, [climb])
    assert next_at(t) is None and due_actions(t, T0 + 100 * H) == []


def test_after_downtime_both_in_order_in_one_tick() -> None:
    actions = due_actions(TaskState(T0, H), T0 + 10 * H)
    assert [a.kind for a in actions] == ["remind", "climb"]


def test_closed_task_asks_for_nothing() -> None:
    t = TaskState(T0, H, open=False)
    assert due_actions(t, T0 + 10 * H) == [] and next_at(t) is None


@given(due=st.integers(0, 10_000), climb=st.integers(1, 10_000),
       ticks=st.lists(st.integers(-1_000, 40_000), max_size=30),
       close_at=st.one_of(st.none(), st.integers(0, 40_000)))
def test_any_ticks_remind_and_climb_at_most_once_each(
        due: int, climb: int, ticks: list[int], close_at: int | None) -> None:
    """Whatever the ticks (out of order too, as instances' clocks are), the reminder comes
    at most once, the climb at most once and never before the reminder, neither before
    its time nor after the task is closed."""
    t = TaskState(T0 + timedelta(minutes=due), timedelta(minutes=climb))
    seen: list[tuple[str, int]] = []
    for minute in sorted(ticks) if close_at is None else ticks:
        now = T0 + timedelta(minutes=minute)
        if close_at is not None and minute >= close_at:
            t = TaskState(t.due_at, t.climb_after, False, t.reminded, t.climbed)
        actions = due_actions(t, now)
        for a in actions:
            assert a.due_at <= now
            seen.append((a.kind, minute))
        t = applied(t, actions)
        latest = next_at(t)
        assert latest is None or latest > now  # nothing left due at this tick
    kinds = [k for k, _ in seen]
    assert kinds.count("remind") <= 1 and kinds.count("climb") <= 1
    if "climb" in kinds:
        assert "remind" in kinds and kinds.index("remind") < kinds.index("climb")
    if close_at is not None:
        assert all(m < close_at for _, m in seen)


@given(st.lists(st.tuples(st.integers(0, 5000), st.booleans()), min_size=1, max_size=8),
       st.dictionaries(st.integers(1, 8), st.integers(0, 5000)))
def test_due_times_never_before_what_they_follow(
        raw: list[tuple[int, bool]], closed_minutes: dict[int, int]) -> None:
    specs = [TaskSpec(f"t{i}", "csm", timedelta(minutes=m),
                      after=i - 1 if follows and i > 1 else None)
             for i, (m, follows) in enumerate(raw, 1)]
    closed = {n: T0 + timedelta(minutes=m) for n, m in closed_minutes.items() if n <= len(specs)}
    due = due_times(specs, T0, closed)
    for i, spec in enumerate(specs):
        start = T0 if spec.after is None else closed.get(spec.after) or due[spec.after - 1]
        assert due[i] == start + spec.due >= T0
