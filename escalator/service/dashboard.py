"""What the dashboard pages show: the overview, the filtered escalation list, one
escalation's timeline. Each is a few indexed queries with LIMITs; read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from escalator.service import tasks
from escalator.service.reports import contains, rollups
from escalator.service.views import escalation_view, event_view
from escalator.settings import RUNGS
from models import Account, Escalation, EscalationAccount, Event, Review
from models.escalation import OPEN_STATUSES

PAGE = 50
SOON = timedelta(hours=24)
OVERDUE_SHOWN = 50
# the clocks run while open or working; "waiting" (on the customer) stops them
RUNNING = ("open", "working")


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
    late, late_total = overdue(session, now)
    # accounts with open escalations and no ARR known: the exposure counts them as nothing
    unknown = session.scalar(
        select(func.count(func.distinct(Account.id)))
        .join(EscalationAccount, EscalationAccount.account_id == Account.id)
        .join(Escalation, Escalation.id == EscalationAccount.escalation_id)
        .where(Escalation.status.in_(OPEN_STATUSES), Account.arr.is_(None))) or 0
    return {
        "arr_unknown": int(unknown),
        "matrix": matrix, "rungs": RUNGS,
        "overdue": late, "overdue_total": late_total,
        "breaching_soon": [mark(escalation_view(e, json=False), now) for e in soon],
        "totals": exposure["totals"],
        "by_type": exposure["type"],
    }


def _late_clause(now: datetime) -> Any:
    """A target passed: unacknowledged past the response target, or unresolved past the
    resolution target. Beside status (indexed: ix_escalation_status), these columns are
    read from the few open rows only."""
    return and_(Escalation.status.in_(RUNNING),
                or_(and_(Escalation.acknowledged_at.is_(None),
                         Escalation.response_due_at <= now),
                    Escalation.resolution_due_at <= now))


def overdue(session: Session, now: datetime, limit: int = OVERDUE_SHOWN
            ) -> tuple[list[dict[str, Any]], int]:
    """The escalations past a target at `now`, longest late first, at every rung (the
    top rung too, where nothing climbs any more), and how many there are in all."""
    late = _late_clause(now)
    total = session.scalar(select(func.count()).select_from(Escalation).where(late)) or 0
    # the target missed first: response while unacknowledged (it comes before resolution)
    missed = case((Escalation.acknowledged_at.is_(None), Escalation.response_due_at),
                  else_=Escalation.resolution_due_at)
    rows = list(session.scalars(select(Escalation).where(late)
                                .order_by(missed, Escalation.id).limit(limit)))
    views = [mark(escalation_view(e, json=False), now) for e in rows]
    return views, int(total)


def mark(view: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Add what the pages show of a view's lateness: late (the target passed first, or
    None), late_by (seconds), top (at the top rung: nothing climbs any more)."""
    missed: list[tuple[datetime, str]] = []
    if view["status"] in RUNNING:
        if view["acknowledged_at"] is None and view["response_due_at"] <= now:
            missed.append((view["response_due_at"], "response"))
        if view["resolution_due_at"] <= now:
            missed.append((view["resolution_due_at"], "resolution"))
    missed.sort()
    due = missed[0][0] if missed else None
    view["late"] = missed[0][1] if missed else None
    view["missed"] = [target for _, target in missed]
    view["late_by"] = int((now - due).total_seconds()) if due is not None else 0
    view["top"] = view["rung"] == RUNGS[-1]
    return view


def escalation_list(session: Session, f: Filters, now: datetime | None = None
                    ) -> tuple[list[dict[str, Any]], int]:
    """One page of escalations, newest first, and how many match in all; marked late
    (see mark) when `now` is given."""
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
            .where(Account.name.ilike(contains(f.account), escape="\\"))))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(query.order_by(Escalation.id.desc())
                           .offset((max(f.page, 1) - 1) * PAGE).limit(PAGE))
    views = [escalation_view(e, json=False) for e in page]
    return [mark(v, now) for v in views] if now is not None else views, int(total)


def timeline(session: Session, number: int, now: datetime | None = None
             ) -> dict[str, Any] | None:
    """One escalation: its view (marked late when `now` is given), every field the CSM
    gave, its events and its review."""
    esc = session.get(Escalation, number)
    if esc is None:
        return None
    view = escalation_view(esc, json=False)
    events = session.scalars(select(Event).where(Event.escalation_id == esc.id)
                             .order_by(Event.at, Event.id))
    review = session.get(Review, esc.id)
    view.update(tasks.view(None, esc, tasks.of(session, esc), now))
    return {"esc": mark(view, now) if now is not None else view,
            "details": {"description": esc.description, "business_impact": esc.business_impact},
            "events": [event_view(e) for e in events], "review": review}
