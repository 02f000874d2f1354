"""The SLA sweep: take the escalations whose next deadline has passed and climb their ladders.

Claim and advance happen in one transaction: the notice rows (unique per escalation, target
and rung), the audit events, the outbox rows and the moved deadline commit together. On
PostgreSQL due rows are taken FOR UPDATE SKIP LOCKED so several instances share the work;
the unique notice key is the last word if two ever decide the same rung.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalator.db import Database, is_postgres
from escalator.service import events
from escalator.service.outbox import enqueue
from escalator.service.recipients import (
    add_stakeholders,
    category_contacts,
    dedupe,
    rung_addresses,
)
from escalator.service.state import sla_state
from escalator.settings import Settings
from escalator.sla import due_breaches, next_escalation_at
from models import Escalation, Notice

log = logging.getLogger(__name__)
BATCH = 200


def sweep(db: Database, settings: Settings, now: datetime, batch: int = BATCH) -> int:
    """Apply every breach due at `now`; return how many notices were decided."""
    total = 0
    conflicts = 0
    while True:
        try:
            with db.transaction() as session:
                rows = _claim(session, now, batch)
                for esc in rows:
                    total += climb(session, settings, esc, now)
        except IntegrityError:
            # another instance decided the same rung first: start over on fresh rows
            conflicts += 1
            if conflicts > 5:
                raise
            continue
        if len(rows) < batch:
            return total


def _claim(session: Session, now: datetime, batch: int) -> list[Escalation]:
    query = (
        select(Escalation)
        .where(Escalation.next_escalation_at <= now)
        .order_by(Escalation.next_escalation_at, Escalation.id)
        .limit(batch)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def climb(session: Session, settings: Settings, esc: Escalation, now: datetime) -> int:
    """Notify each rung due, oldest deadline first; one recap to everyone else."""
    breaches = due_breaches(settings.severities, sla_state(esc), now)
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
        ctx = {"breach": b, "previous_rung": previous_rung,
               "next_at": next_escalation_at(settings.severities, sla_state(esc))}
        row = enqueue(session, settings, kind="breach", now=now, to=people, cc=contacts,
                      esc=esc, context=ctx)
        who = ", ".join(row.to_addrs) if row is not None else "no address configured"
        events.add(session, esc, now, "breach", "escalator",
                   f"{b.target} target missed (due {b.due_at:%Y-%m-%d %H:%M} UTC): "
                   f"{b.rung} notified ({who})")
        if row is not None:
            notified.extend([*row.to_addrs, *row.cc_addrs])
    esc.next_escalation_at = next_escalation_at(settings.severities, sla_state(esc))
    session.flush()  # the unique notice key speaks here, inside the transaction
    if breaches:
        changes = [f"{b.target} target missed: {b.rung} notified" for b in breaches]
        enqueue(session, settings, kind="recap", now=now,
                to=dedupe(esc.stakeholders, notified), esc=esc,
                context={"changes": changes, "actor": "escalator", "problems": []})
    return len(breaches)
