"""When each task is due, and what an overdue task asks for now: pure, the clock passed in.

A task is due `due` after the opening, or `due` after the task it follows is closed (done
or skipped); until that one closes, after its due time. Once past due its owner gets one
reminder; `climb_after` later the rung above the owner gets one notice, as a breach does.
Each happens at most once per task (the service keeps a unique notice row for each).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalator.playbooks.spec import TaskSpec

Add = Callable[[datetime, timedelta], datetime]  # working-time addition (the calendar's)


def _plain(start: datetime, d: timedelta) -> datetime:
    return start + d


def due_times(tasks: Sequence[TaskSpec], opened_at: datetime,
              closed_at: Mapping[int, datetime] | None = None, add: Add = _plain
              ) -> list[datetime]:
    """The due time of each task (numbered from 1), given when the closed ones closed."""
    closed = closed_at or {}
    out: list[datetime] = []
    for spec in tasks:
        if spec.after is None:
            start = opened_at
        else:
            start = closed.get(spec.after) or out[spec.after - 1]
        out.append(add(start, spec.due))
    return out


@dataclass(frozen=True)
class TaskState:
    due_at: datetime
    climb_after: timedelta
    open: bool = True
    reminded: bool = False
    climbed: bool = False


@dataclass(frozen=True)
class Action:
    kind: str  # "remind" (the owner) | "climb" (the rung above the owner)
    due_at: datetime  # the deadline that fired it


def due_actions(t: TaskState, now: datetime) -> list[Action]:
    """What is due at `now` and not yet done, in order: the reminder before the climb."""
    if not t.open:
        return []
    out: list[Action] = []
    if not t.reminded and t.due_at <= now:
        out.append(Action("remind", t.due_at))
    climb_at = t.due_at + t.climb_after
    if not t.climbed and climb_at <= now:
        out.append(Action("climb", climb_at))
    return out


def next_at(t: TaskState) -> datetime | None:
    """When the sweep should look at the task next; None when nothing more can happen."""
    if not t.open:
        return None
    if not t.reminded:
        return t.due_at
    if not t.climbed:
        return t.due_at + t.climb_after
    return None


def applied(t: TaskState, actions: Sequence[Action]) -> TaskState:
    kinds = {a.kind for a in actions}
    return TaskState(t.due_at, t.climb_after, t.open, t.reminded or "remind" in kinds,
                     t.climbed or "climb" in kinds)
