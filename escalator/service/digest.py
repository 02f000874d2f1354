"""The daily digest: which people get one now, and what is in it.

Once the configured local time has passed on a day ([digest] at, timezone), each person
with escalations open at that time (owner, CSM or stakeholder) gets one email listing
them, the breached ones first. An escalation opened later that day waits for the next
day's digest: the first digest goes out at the digest hour, not at the first tick after
installing. A row per (person, local day) with a unique key, committed with the outbox
row, makes it once a day however many instances tick; after downtime the digest goes out
at the first tick of the day past that time.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from escalator.db import Database
from escalator.service import faults
from escalator.service.outbox import enqueue
from escalator.service.recipients import mailbox
from escalator.service.views import escalation_view
from escalator.settings import Settings
from models import DigestSent, Escalation

log = logging.getLogger(__name__)
DUE_SOON = timedelta(days=1)


def digest_day(settings: Settings, now: datetime) -> tuple[str, datetime] | None:
    """The local day ("2026-11-26") whose digest is due at `now`, and the instant it was
    due at (UTC); None before the time."""
    if settings.digest is None:
        return None
    zone = ZoneInfo(settings.digest.timezone)
    local = now.astimezone(zone)
    hour, minute = (int(part) for part in settings.digest.at.split(":"))
    due = datetime.combine(local.date(), time(hour, minute), zone)
    if local < due:
        return None
    return local.date().isoformat(), due.astimezone(UTC)


def digest_sweep(db: Database, settings: Settings, now: datetime,
                 failed: list[str] | None = None) -> int:
    """Queue today's digest for everyone who has not had it; return how many were queued.
    A person whose digest fails (a template, say) is appended to `failed` and skipped: the
    others get theirs, and the next tick tries again."""
    due = digest_day(settings, now)
    if due is None:
        return 0
    day, due_at = due
    with db.transaction() as session:
        done = set(session.scalars(select(DigestSent.address).where(DigestSent.day == day)))
        # every tick after the digest hour comes here: read four columns, not whole records
        open_rows = session.execute(
            select(Escalation.id, Escalation.owner, Escalation.csm, Escalation.stakeholders)
            .where(Escalation.status != "done", Escalation.opened_at <= due_at)
            .order_by(Escalation.id)).all()
        people = _people(open_rows, settings, done)
    queued = 0
    for person, ids in people.items():
        try:
            with db.transaction() as session:
                session.add(DigestSent(address=person, day=day, sent_at=now))
                session.flush()  # the unique key: another instance got here first
                rows = list(session.scalars(select(Escalation).where(Escalation.id.in_(ids))
                                            .order_by(Escalation.severity, Escalation.id)))
                enqueue(session, settings, kind="digest", now=now, to=[person],
                        context=digest_context(person, day, rows, settings, now))
                queued += 1
        except IntegrityError:
            log.info("digest %s for %s already queued by another instance", day, person)
        except Exception as e:  # this person's digest only; tried again at the next tick
            if not faults.is_own_fault(e):
                raise
            log.error("digest %s for %s failed: %s", day, person, faults.describe(e))
            log.debug("digest for %s failed", person, exc_info=e)
            if failed is not None:
                failed.append(person)
    return queued


def _people(rows: Sequence[tuple[int, str, str, list[str]]], settings: Settings,
            done: set[str]) -> dict[str, list[int]]:
    """Each person (lower-cased) and the ids of the open escalations they are part of."""
    skip = {*mailbox(settings), *done}
    people: dict[str, list[int]] = defaultdict(list)
    for esc_id, owner, csm, stakeholders in rows:
        for address in dict.fromkeys(a.lower() for a in (owner, csm, *stakeholders)):
            if address and address not in skip:
                people[address].append(esc_id)
    return people


def digest_context(person: str, day: str, rows: list[Escalation], settings: Settings,
                   now: datetime) -> dict[str, Any]:
    views = [escalation_view(e, json=False) for e in rows]
    breached = [v for e, v in zip(rows, views, strict=True) if _breached(e, now)]
    soon = [v for e, v in zip(rows, views, strict=True)
            if not _breached(e, now) and _due_soon(e, now)]
    zone = settings.digest.timezone if settings.digest else "UTC"
    return {"person": person, "day": day, "timezone": zone, "open": views,
            "breached": breached, "due_soon": soon}


def _breached(esc: Escalation, now: datetime) -> bool:
    if esc.response_breaches or esc.resolution_breaches:
        return True
    if esc.status == "waiting":
        return False
    late_response = esc.acknowledged_at is None and esc.response_due_at <= now
    return late_response or esc.resolution_due_at <= now


def _due_soon(esc: Escalation, now: datetime) -> bool:
    if esc.status == "waiting":
        return False
    deadlines = [esc.resolution_due_at]
    if esc.acknowledged_at is None:
        deadlines.append(esc.response_due_at)
    return any(now < d <= now + DUE_SOON for d in deadlines)
