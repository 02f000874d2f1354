"""Any sequence of ticks, in any order (instances' clocks differ), through the real task
sweep on SQLite: each task's reminder email and its climb email go out at most once, the
climb never before the reminder, and nothing for a task before it is due."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from escalator.db import Database, init_db
from escalator.service.intake import handle_message
from escalator.service.task_sweep import task_sweep
from models import Event, OutboxMessage, Task
from tests.escalator.test_playbook_service import SETTINGS, T0, _email

H = timedelta(hours=1)
_DB: list[Database] = []


def _db() -> Database:
    if not _DB:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='ticks-')) / 'esc.db'}"
        init_db(url)
        _DB.append(Database(url))
    return _DB[0]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 200 * 60), min_size=1, max_size=12))
def test_any_ticks_each_reminder_and_climb_at_most_once(minutes: list[int]) -> None:
    db = _db()
    with db.transaction() as s:
        number = (s.scalar(select(Task.escalation_id).order_by(Task.escalation_id.desc())
                           .limit(1)) or 0) + 1
    opened = T0 + timedelta(days=number)  # each example its own escalation, later in time
    handle_message(db, SETTINGS, _email(number), opened)
    for m in minutes:
        task_sweep(db, SETTINGS, opened + timedelta(minutes=m))
    latest = opened + timedelta(minutes=max(minutes))
    with db.transaction() as s:
        tasks = list(s.scalars(select(Task).where(Task.escalation_id == number)))
        mails = Counter(m.subject for m in s.scalars(select(OutboxMessage).where(
            OutboxMessage.escalation_id == number,
            OutboxMessage.kind.in_(("task_reminder", "task_overdue")))))
        trail = [e.detail for e in s.scalars(select(Event).where(
            Event.escalation_id == number, Event.kind == "task").order_by(Event.id))]
    assert all(n == 1 for n in mails.values()), mails
    for t in tasks:
        what = "ask" if t.kind == "ask" else "task"
        reminded = [i for i, d in enumerate(trail) if d.startswith(f"{what} {t.label} overdue")]
        climbed = [i for i, d in enumerate(trail) if d.startswith(f"{what} {t.label} still open")]
        assert len(reminded) <= 1 and len(climbed) <= 1
        assert not climbed or (reminded and reminded[0] < climbed[0])
        assert bool(reminded) == (t.due_at <= latest)  # due by the latest tick: reminded
        climb_at = t.due_at + timedelta(seconds=t.climb_seconds)
        assert bool(climbed) == (climb_at <= latest)
