"""The task sweep: overdue playbook tasks and asks remind their owner once, then climb to
the rung above once, as a breach does.

Claim and act in one transaction: escalations with a due task are taken FOR UPDATE SKIP
LOCKED on PostgreSQL; per task a notice row (target "task:ID", rung "remind" or "climb",
unique) is written with its event and email, so each happens once whatever runs. Each
escalation is applied as if in its own savepoint (faults.apply_each): one that fails is
put off with backoff, with a "fault" event, and the others go on.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalator.db import Database, is_postgres
from escalator.playbooks import due_actions, next_at
from escalator.service import events, faults, tasks
from escalator.service.outbox import enqueue, prefetch_events
from escalator.service.recipients import add_stakeholders, dedupe, rung_addresses
from escalator.settings import Settings
from models import Escalation, Notice, Task

BATCH = 200
MAX_CONFLICTS = 5
WAITING_RECHECK = timedelta(hours=1)  # while waiting on the customer, look again hourly


def task_sweep(db: Database, settings: Settings, now: datetime,
               failed: list[int] | None = None) -> int:
    """Send every task reminder and climb due at `now`; return how many."""
    total = conflicts = 0
    while True:
        try:
            with db.transaction() as session:
                escs, due = _claim(session, now)
                decided = _apply(session, settings, escs, due, now, failed)
        except IntegrityError:  # another instance decided the same notice first
            conflicts += 1
            if conflicts > MAX_CONFLICTS:
                raise
            continue
        total += decided
        if len(escs) < BATCH:
            return total


def _apply(session: Session, settings: Settings, escs: list[Escalation],
           due: dict[int, list[Task]], now: datetime, failed: list[int] | None) -> int:
    return faults.apply_each(
        session, escs, lambda e: e, lambda e: _act(session, settings, e, due[e.id], now),
        lambda e, error: _put_off(session, e, due[e.id], now, error, failed))


def _claim(session: Session, now: datetime) -> tuple[list[Escalation], dict[int, list[Task]]]:
    ids = select(Task.escalation_id).where(Task.next_at <= now)
    query = (select(Escalation).where(Escalation.id.in_(ids)).order_by(Escalation.id)
             .limit(BATCH))
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    escs = list(session.scalars(query))
    prefetch_events(session, escs)  # one query for the batch's emails (events, tasks)
    due: dict[int, list[Task]] = defaultdict(list)
    if escs:
        for task in session.scalars(select(Task).where(
                Task.escalation_id.in_([e.id for e in escs]), Task.next_at <= now)
                .order_by(Task.escalation_id, Task.kind.desc(), Task.number)):
            due[task.escalation_id].append(task)
    return escs, due


def _put_off(session: Session, esc: Escalation, due: list[Task], now: datetime,
             error: Exception, failed: list[int] | None) -> None:
    retry_at = faults.record(session, esc, now, "task sweep", error)
    for task in due:
        task.next_at = retry_at
    if failed is not None:
        failed.append(esc.id)


def _act(session: Session, settings: Settings, esc: Escalation, due: list[Task],
         now: datetime) -> int:
    decided = 0
    for task in due:
        if esc.status == "done":
            task.next_at = None  # a reopening looks again (tasks.reopen_all)
            continue
        if esc.status == "waiting":
            task.next_at = now + WAITING_RECHECK
            continue
        for action in due_actions(tasks.state(task), now):
            if action.kind == "remind":
                _remind(session, settings, esc, task, now)
            else:
                _climb(session, settings, esc, task, now)
            decided += 1
        task.next_at = next_at(tasks.state(task))
    faults.clear(esc, "task sweep")
    return decided


def _info(settings: Settings, esc: Escalation, task: Task) -> dict[str, object]:
    return {"kind": task.kind, "label": task.label, "title": task.title,
            "due_at": task.due_at, "who": ", ".join(tasks.owners(settings, esc, task))}


def _remind(session: Session, settings: Settings, esc: Escalation, task: Task,
            now: datetime) -> None:
    session.add(Notice(escalation_id=esc.id, target=f"task:{task.id}", rung="remind",
                       due_at=task.due_at, sent_at=now))
    task.reminded_at = now
    people = tasks.owners(settings, esc, task)
    climb_at = task.due_at + timedelta(seconds=task.climb_seconds)
    row = enqueue(session, settings, kind="task_reminder", now=now, to=people, esc=esc,
                  context={"task": _info(settings, esc, task), "climb_at": climb_at,
                           "climb_rung": tasks.climb_rung(esc, task)})
    who = ", ".join(row.to_addrs) if row is not None else "nobody to mail"
    what = "ask" if task.kind == "ask" else "task"
    events.add(session, esc, now, "task", "escalator",
               f"{what} {task.label} overdue (due {task.due_at:%Y-%m-%d %H:%M} UTC): "
               f"{task.title}; reminded {who}")


def _climb(session: Session, settings: Settings, esc: Escalation, task: Task,
           now: datetime) -> None:
    rung = tasks.climb_rung(esc, task)
    climb_at = task.due_at + timedelta(seconds=task.climb_seconds)
    session.add(Notice(escalation_id=esc.id, target=f"task:{task.id}", rung="climb",
                       due_at=climb_at, sent_at=now))
    task.climbed_at = now
    people = rung_addresses(settings, esc, rung) if rung != "csm" else [esc.csm]
    owners = tasks.owners(settings, esc, task)
    add_stakeholders(esc, settings, people)
    row = enqueue(session, settings, kind="task_overdue", now=now, to=people,
                  cc=dedupe(owners, people), esc=esc,
                  context={"task": _info(settings, esc, task), "rung": rung})
    who = ", ".join(row.to_addrs) if row is not None else "no address configured"
    what = "ask" if task.kind == "ask" else "task"
    events.add(session, esc, now, "task", "escalator",
               f"{what} {task.label} still open {_span(climb_at - task.due_at)} after its due "
               f"time: {rung} told ({who})")


def _span(d: timedelta) -> str:
    hours = d.total_seconds() / 3600
    return f"{hours / 24:g} days" if hours >= 48 else f"{hours:g} h"
