"""An escalation's tasks (from its playbook) and asks (its Escalation Ask items): created at
intake, closed by reply (`Done: 2`, `Skip: 3 reason`, `Take: A1`), shown in every email.

Due times come from escalator.playbooks.schedule (pure); this module writes them into the
rows, with `next_at` (the sweep's deadline) recomputed on every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalator.playbooks import Playbook, TaskSpec, TaskState, due_times, next_at
from escalator.service.recipients import category_contacts, rung_addresses
from escalator.service.txcache import transaction_dict
from escalator.settings import RUNGS, Settings
from models import Escalation, Task

CACHE = "tasks"  # per transaction: escalation id -> its rows, for the emails of one change


def create(session: Session, settings: Settings, esc: Escalation, playbook: Playbook | None,
           now: datetime) -> list[Task]:
    """The playbook's tasks and one ask per Escalation Ask item, due by the resolution target."""
    rows: list[Task] = []
    if playbook is not None:
        add = _adder(settings, esc)
        for number, (spec, due) in enumerate(
                zip(playbook.tasks, due_times(playbook.tasks, now, add=add), strict=True), 1):
            rows.append(_row(esc, "task", number, spec, due, playbook.climb_after))
    climb = settings.playbooks[0].climb_after if settings.playbooks else timedelta(hours=4)
    for number, item in enumerate(esc.ask, 1):
        spec = TaskSpec(item[:2000], "owner", esc.resolution_due_at - now)
        rows.append(_row(esc, "ask", number, spec, esc.resolution_due_at, climb))
    session.add_all(rows)
    transaction_dict(session, CACHE)[esc.id] = rows
    return rows


def _row(esc: Escalation, kind: str, number: int, spec: TaskSpec, due: datetime,
         climb: timedelta) -> Task:
    task = Task(escalation_id=esc.id, kind=kind, number=number, title=spec.title,
                role=spec.owner, assignee="", after=spec.after,
                due_seconds=int(spec.due.total_seconds()),
                climb_seconds=int(climb.total_seconds()), due_at=due, state="open",
                closed_by="", reason="")
    task.next_at = next_at(state(task))
    return task


def _adder(settings: Settings, esc: Escalation) -> Any:
    policy, severity = settings.policy, esc.severity
    return lambda start, d: policy.after(severity, start, d)


def state(task: Task) -> TaskState:
    return TaskState(task.due_at, timedelta(seconds=task.climb_seconds), task.state == "open",
                     task.reminded_at is not None, task.climbed_at is not None)


def of(session: Session, esc: Escalation) -> list[Task]:
    cache = transaction_dict(session, CACHE)
    if esc.id not in cache:
        # no autoflush: what this transaction created is in the cache already, and a flush
        # here would change what the email's event list reads
        with session.no_autoflush:
            cache[esc.id] = list(session.scalars(
                select(Task).where(Task.escalation_id == esc.id)
                .order_by(Task.kind.desc(), Task.number)))
    rows: list[Task] = cache[esc.id]
    return rows


def prefetch(session: Session, escalations: Sequence[Escalation]) -> None:
    """The tasks of a batch's escalations in one query (the sweeps' emails show them)."""
    cache = transaction_dict(session, CACHE)
    todo = [e.id for e in escalations if e.id not in cache]
    if not todo:
        return
    for esc_id in todo:
        cache[esc_id] = []
    with session.no_autoflush:
        for task in session.scalars(select(Task).where(Task.escalation_id.in_(todo))
                                    .order_by(Task.kind.desc(), Task.number)):
            cache[task.escalation_id].append(task)


def open_asks(session: Session, esc: Escalation) -> list[Task]:
    return [t for t in of(session, esc) if t.kind == "ask" and t.state == "open"]


def find(session: Session, esc: Escalation, ref: str, kind: str | None = None) -> Task | None:
    """A task by number ("2"), an ask by "A1" (or by number when `kind` is "ask"), or either
    by its title, case and spacing aside."""
    text = " ".join(ref.split()).strip().strip("'\"‘’“”").lower()
    rows = of(session, esc)
    if text[:1] == "a" and text[1:].isdigit():
        return next((t for t in rows if t.kind == "ask" and t.number == int(text[1:])), None)
    if text.isdigit():
        wanted = kind or "task"
        return next((t for t in rows if t.kind == wanted and t.number == int(text)), None)
    return next((t for t in rows if t.title.lower() == text
                 and (kind is None or t.kind == kind)), None)


def close(session: Session, settings: Settings, esc: Escalation, task: Task, how: str,
          actor: str, now: datetime, reason: str = "") -> str:
    """Mark done (an ask: met) or skipped (an ask: not met); tasks that follow move."""
    task.state, task.closed_at, task.closed_by = how, now, actor
    task.reason = reason[:2000]
    task.next_at = None
    _reschedule(settings, esc, of(session, esc))
    what = "ask" if task.kind == "ask" else "task"
    verb = {"done": "met" if task.kind == "ask" else "done", "skipped": "skipped"}[how]
    return (f"{what} {task.label} {verb}: {task.title}"
            + (f" (reason: {reason})" if reason else ""))


def take(task: Task, actor: str, now: datetime) -> str:
    task.assignee = actor
    return f"ask {task.label} taken by {actor}: {task.title}"


def reopen_all(session: Session, esc: Escalation) -> None:
    """The escalation is open again: what is still open is looked at again."""
    for task in of(session, esc):
        task.next_at = next_at(state(task))


def _reschedule(settings: Settings, esc: Escalation, rows: Sequence[Task]) -> None:
    tasks = sorted((t for t in rows if t.kind == "task"), key=lambda t: t.number)
    if not tasks:
        return
    specs = [TaskSpec(t.title, t.role, timedelta(seconds=t.due_seconds), t.after) for t in tasks]
    closed = {t.number: t.closed_at for t in tasks if t.closed_at is not None}
    for task, due in zip(tasks, due_times(specs, esc.opened_at, closed, _adder(settings, esc)),
                         strict=True):
        if task.state == "open" and task.reminded_at is None:
            task.due_at = due  # once reminded, the reminder said when it was due
        task.next_at = next_at(state(task))


def owners(settings: Settings, esc: Escalation, task: Task) -> list[str]:
    """Who a task is for: its taker, else its role's addresses, else the escalation owner."""
    if task.assignee:
        return [task.assignee]
    role = task.role
    if role == "csm":
        found = [esc.csm]
    elif role == "owner":
        found = [esc.owner]
    elif role == "category":
        found = category_contacts(settings, esc.category)
    elif role.startswith("category:"):
        found = list(settings.categories.get(role.partition(":")[2], ()))
    else:
        found = rung_addresses(settings, esc, role)
    return found or [esc.owner]


def climb_rung(esc: Escalation, task: Task) -> str:
    """The rung above the task's owner (for an owner, a contact or a taker: above the
    escalation's rung), the executive at most."""
    base = task.role if task.role in RUNGS and not task.assignee else esc.rung
    return RUNGS[min(RUNGS.index(base) + 1, len(RUNGS) - 1)]


def view(settings: Settings | None, esc: Escalation, rows: Sequence[Task],
         now: datetime | None = None) -> dict[str, Any]:
    """For the emails and the dashboard: tasks and asks with their state and who has them
    (without settings, as the dashboard has them: the role for a rung or contacts)."""
    def who(t: Task) -> str:
        if settings is not None:
            return ", ".join(owners(settings, esc, t))
        return t.assignee or {"csm": esc.csm, "owner": esc.owner}.get(t.role, t.role)

    def one(t: Task) -> dict[str, Any]:
        late = t.state == "open" and now is not None and t.due_at <= now
        return {"label": t.label, "number": t.number, "title": t.title, "role": t.role,
                "who": who(t), "taken_by": t.assignee or None,
                "due_at": t.due_at, "state": t.state, "closed_at": t.closed_at,
                "closed_by": t.closed_by or None, "reason": t.reason or None, "late": late,
                "after": t.after}
    return {"tasks": [one(t) for t in rows if t.kind == "task"],
            "asks": [one(t) for t in rows if t.kind == "ask"],
            "playbook": (esc.extra or {}).get("playbook"),
            "raised": list((esc.extra or {}).get("raised", []))}


def json_view(settings: Settings, esc: Escalation, rows: Sequence[Task]) -> dict[str, Any]:
    """`show --json`'s tasks, asks, playbook and raised: times as ISO 8601 UTC strings."""
    from escalator.service.views import iso

    found = view(settings, esc, rows)
    for key in ("tasks", "asks"):
        found[key] = [{k: iso(v) if isinstance(v, datetime) else v for k, v in t.items()
                       if k != "late"} for t in found[key]]
    return found
