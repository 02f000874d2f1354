"""The SLA sweep: take the escalations whose next deadline or warning has passed and act.

Claim and advance happen in one transaction: the notice rows (unique per escalation, target
and rung), the audit events, the outbox rows and the moved deadlines commit together. On
PostgreSQL due rows are taken FOR UPDATE SKIP LOCKED so several instances share the work;
the unique notice key is the last word if two ever decide the same rung.

Each escalation is applied as if in its own savepoint (service.faults.apply_each: the batch
in one savepoint first, one by one only when it fails): one that raises (a team template
that fails for it alone, say) is rolled back, its due columns are put off with
backoff, an event of kind "fault" (actor "escalator", one readable line) commits with the
rest of the batch, and its id is appended to the caller's `failed` list. The others climb.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalator.db import Database, is_postgres
from escalator.service import events, faults
from escalator.service.outbox import enqueue, prefetch_events
from escalator.service.recipients import (
    add_stakeholders,
    category_contacts,
    dedupe,
    rung_addresses,
)
from escalator.service.state import reschedule, sla_state
from escalator.settings import Settings
from escalator.sla import due_breaches, due_warnings, next_escalation_at
from models import Escalation, Notice

log = logging.getLogger(__name__)
BATCH = 200
MAX_CONFLICTS = 5


def sweep(db: Database, settings: Settings, now: datetime, batch: int = BATCH,
          failed: list[int] | None = None) -> int:
    """Apply every breach and warning due at `now`; return how many notices were decided.
    The ids of escalations that failed (and were put off) are appended to `failed`."""
    total = 0
    conflicts = 0
    while True:
        faulted: list[int] = []
        try:
            with db.transaction() as session:
                rows = _claim(session, now, batch)
                prefetch_events(session, rows)  # one query for the batch's emails
                decided = _climb_each(session, settings, rows, now, faulted)
        except IntegrityError:
            # another instance decided the same notice first: start over on fresh rows
            conflicts += 1
            if conflicts > MAX_CONFLICTS:
                raise
            continue
        total += decided
        if failed is not None:
            failed.extend(faulted)
        if len(rows) < batch:
            return total


def _climb_each(session: Session, settings: Settings, rows: list[Escalation], now: datetime,
                faulted: list[int]) -> int:
    def climbed(esc: Escalation) -> int:
        decided = climb(session, settings, esc, now)
        faults.clear(esc, "SLA sweep")
        return decided

    def put_off(esc: Escalation, error: Exception) -> None:
        retry_at = faults.record(session, esc, now, "SLA sweep", error)
        # put off only what was due, so the row is not claimed first again at once
        if esc.next_escalation_at is not None and esc.next_escalation_at <= now:
            esc.next_escalation_at = retry_at
        if esc.next_warning_at is not None and esc.next_warning_at <= now:
            esc.next_warning_at = retry_at
        faulted.append(esc.id)

    return faults.apply_each(session, rows, lambda esc: esc, climbed, put_off)


def _claim(session: Session, now: datetime, batch: int) -> list[Escalation]:
    # one index range per deadline column, so a sweep with nothing due reads no rows
    due = union(select(Escalation.id).where(Escalation.next_escalation_at <= now),
                select(Escalation.id).where(Escalation.next_warning_at <= now))
    query = select(Escalation).where(Escalation.id.in_(due)).order_by(Escalation.id).limit(batch)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def climb(session: Session, settings: Settings, esc: Escalation, now: datetime) -> int:
    """Notify each rung due, oldest deadline first; then warnings; one recap to the rest."""
    policy = settings.policy
    breaches = due_breaches(policy, sla_state(esc), now)
    notified: list[str] = []
    contacts = category_contacts(settings, esc.category)
    for b in breaches:
        previous_rung = esc.rung
        session.add(Notice(escalation_id=esc.id, target=b.target, rung=b.rung,
                           due_at=b.due_at, sent_at=now))
        esc.rung = b.rung
        if b.target == "response":
            esc.response_breaches = b.number
        else:
            esc.resolution_breaches = b.number
        people = rung_addresses(settings, esc, b.rung)
        add_stakeholders(esc, settings, people)
        # the notice's "Next escalation" is the next climb, not this breach (reschedule
        # below sets it again, with the warnings)
        esc.next_escalation_at = next_escalation_at(policy, sla_state(esc))
        ctx = {"breach": b, "previous_rung": previous_rung, "next_at": esc.next_escalation_at}
        row = enqueue(session, settings, kind="breach", now=now, to=people, cc=contacts,
                      esc=esc, context=ctx)
        who = ", ".join(row.to_addrs) if row is not None else "no address configured"
        events.add(session, esc, now, "breach", "escalator",
                   f"{b.target} target missed (due {b.due_at:%Y-%m-%d %H:%M} UTC): "
                   f"{b.rung} notified ({who})")
        if row is not None:
            notified.extend([*row.to_addrs, *row.cc_addrs])
    warned = _warn(session, settings, esc, now)
    reschedule(esc, settings, now)  # the unique notice key speaks at commit at the latest
    if breaches:
        changes = [f"{b.target} target missed: {b.rung} notified" for b in breaches]
        enqueue(session, settings, kind="recap", now=now,
                to=dedupe(esc.stakeholders, notified), esc=esc,
                context={"changes": changes, "actor": "escalator", "problems": []})
    return len(breaches) + warned


def _warn(session: Session, settings: Settings, esc: Escalation, now: datetime) -> int:
    """Warnings to the owner and the current rung, each (window, fraction, rung) once."""
    due = due_warnings(settings.policy, sla_state(esc), now)
    if not due:
        return 0
    sent = {(target, rung) for target, rung in session.execute(
        select(Notice.target, Notice.rung).where(Notice.escalation_id == esc.id,
                                                 Notice.target.like("warn:%")))}
    count = 0
    for w in due:
        if (w.key, esc.rung) in sent:
            continue
        session.add(Notice(escalation_id=esc.id, target=w.key, rung=esc.rung,
                           due_at=w.at, sent_at=now))
        people = [esc.owner, *rung_addresses(settings, esc, esc.rung)]
        enqueue(session, settings, kind="warning", now=now, to=people, esc=esc,
                context={"warning": w, "rung": esc.rung})
        events.add(session, esc, now, "warning", "escalator",
                   f"{round(w.fraction * 100)}% of the {w.target} window used; "
                   f"due {w.due_at:%Y-%m-%d %H:%M} UTC")
        count += 1
    return count
