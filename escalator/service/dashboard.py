"""What the dashboard pages show: the overview, the filtered escalation list, one
escalation's timeline. Each is a few indexed queries with LIMITs; read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalator.service.reports import rollups
from escalator.service.views import escalation_view, event_view
from escalator.settings import RUNGS
from models import Account, Escalation, EscalationAccount, Event, Review
from models.escalation import OPEN_STATUSES

PAGE = 50
SOON = timedelta(hours=24)


@dataclass(frozen=True)
class Filters:
    status: str = ""  # "", open (= not done), working, waiting, done
    severity: int | None = None
    account: str = ""  # part of the account's name, case-insensitive
    page: int = 1


def overview(session: Session, now: datetime) -> dict[str, Any]:
    rows = session.execute(
        select(Escalation.severity, Escalation.rung, func.count())
        .where(Escalation.status.in_(OPEN_STATUSES)).group_by(Escalation.severity, Escalation.rung))
    matrix: dict[int, dict[str, int]] = {s: dict.fromkeys(RUNGS, 0) for s in (1, 2, 3, 4)}
    for severity, rung, n in rows:
        matrix.setdefault(severity, dict.fromkeys(RUNGS, 0))[rung] = int(n)
    soon = session.scalars(
        select(Escalation)
        .where(Escalation.status.in_(OPEN_STATUSES), Escalation.next_escalation_at.is_not(None),
               Escalation.next_escalation_at <= now + SOON)
        .order_by(Escalation.next_escalation_at).limit(20))
    exposure = rollups(session, ("type",))
    return {
        "matrix": matrix, "rungs": RUNGS,
        "breaching_soon": [escalation_view(e, json=False) for e in soon],
        "totals": exposure["totals"],
        "by_type": exposure["type"],
    }


def escalation_list(session: Session, f: Filters) -> tuple[list[dict[str, Any]], int]:
    """One page of escalations, newest first, and how many match in all."""
    query = select(Escalation)
    if f.status == "open":
        query = query.where(Escalation.status.in_(OPEN_STATUSES))
    elif f.status:
        query = query.where(Escalation.status == f.status)
    if f.severity:
        query = query.where(Escalation.severity == f.severity)
    if f.account:
        query = query.where(Escalation.id.in_(
            select(EscalationAccount.escalation_id)
            .join(Account, Account.id == EscalationAccount.account_id)
            .where(Account.name.ilike(f"%{_like(f.account)}%", escape="\\"))))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(query.order_by(Escalation.id.desc())
                           .offset((max(f.page, 1) - 1) * PAGE).limit(PAGE))
    return [escalation_view(e, json=False) for e in page], int(total)


def timeline(session: Session, number: int) -> dict[str, Any] | None:
    esc = session.get(Escalation, number)
    if esc is None:
        return None
    events = session.scalars(select(Event).where(Event.escalation_id == esc.id)
                             .order_by(Event.at, Event.id))
    review = session.get(Review, esc.id)
    return {"esc": escalation_view(esc, json=False), "events": [event_view(e) for e in events],
            "review": review}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
