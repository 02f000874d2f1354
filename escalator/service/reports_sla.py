"""SLA and review figures for `report` and the dashboard: time to acknowledge and to
resolve per severity (mean and median), breach rate per target and severity (from the
notice table), the highest rung reached, a weekly trend, and the post-escalation reviews.

The SLA figures cover the escalations opened in the last PERIOD_DAYS (13 weeks, the
weekly trend's span), read through the opened_at index: a period, as SLA reports have,
and a cost that does not grow with years of history.

Durations are computed in SQL on both databases (julianday on SQLite, epoch on
PostgreSQL); counts and means of every metric come from one GROUP BY; the median is
percentile_disc on PostgreSQL, the middle row(s) by ORDER BY ... LIMIT/OFFSET on SQLite,
so no rows reach Python.
Time to resolve leaves out the time spent waiting on the customer (the clock was stopped).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, cast, distinct, extract, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from escalator.db import is_postgres
from escalator.settings import RUNGS
from models import Escalation, Notice, Review

BREACH_TARGETS = ("response", "resolution")
TREND_WEEKS = 13
PERIOD_DAYS = 7 * TREND_WEEKS


def minutes(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    if is_postgres(session):
        return extract("epoch", end - start) / 60.0
    return (func.julianday(end) - func.julianday(start)) * 1440.0


def week_of(session: Session, column: Any) -> ColumnElement[Any]:
    """The Monday starting the column's week, as a date (PostgreSQL) or 'YYYY-MM-DD' text."""
    if is_postgres(session):
        return cast(func.date_trunc("week", column), Date)
    return func.date(column, "weekday 0", "-6 days")


Metric = tuple[ColumnElement[Any], ColumnElement[bool], float]  # value, rows it covers, scale


def durations(session: Session, since: datetime, metrics: dict[str, Metric]
              ) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[int, int]]:
    """{metric: {severity: {count, mean, median}}} of value / scale, and the escalations
    opened since `since` per severity: one GROUP BY over the period index for every count
    and mean (CASE picks each metric's rows), instead of a window pass per metric."""
    pg = is_postgres(session)
    columns: list[Any] = [Escalation.severity, func.count()]
    for value, where, _ in metrics.values():
        columns += [func.count(case((where, 1))), func.avg(case((where, value)))]
        if pg:  # the two middle values (the same one when odd): ascending, then descending
            columns += [func.percentile_disc(0.5).within_group(value).filter(where),
                        func.percentile_disc(0.5).within_group(value.desc()).filter(where)]
    rows = session.execute(select(*columns).where(Escalation.opened_at >= since)
                           .group_by(Escalation.severity).order_by(Escalation.severity)).all()
    figures: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in metrics}
    for row in rows:
        sev, rest = row[0], list(row[2:])
        for name, (value, where, scale) in metrics.items():
            n, mean, *middle = rest[:4 if pg else 2]
            rest = rest[4 if pg else 2:]
            if not n:
                continue
            median = ((middle[0] + middle[1]) / 2 if pg else _median(
                session, value, where & (Escalation.opened_at >= since)
                & (Escalation.severity == sev), int(n)))
            figures[name][str(sev)] = {"count": int(n), "mean": round(float(mean) / scale, 1),
                                       "median": round(float(median) / scale, 1)}
    return figures, {int(row[0]): int(row[1]) for row in rows}


def _median(session: Session, value: ColumnElement[Any], where: ColumnElement[bool],
            n: int) -> float:
    """SQLite has no percentile: the middle row(s) of n by ORDER BY ... LIMIT/OFFSET, a
    bounded sort of one severity's rows (cheaper there than a ROW_NUMBER window)."""
    middle = (select(value.label("v")).where(where).order_by(value)
              .limit(2 - n % 2).offset((n - 1) // 2).subquery())
    return float(session.execute(select(func.avg(middle.c.v))).scalar_one())


def breach_rates(session: Session, since: datetime,
                 totals: dict[int, int] | None = None) -> dict[str, dict[str, Any]]:
    """{target: {severity: {escalations, breached, rate}}}: share of escalations that got at
    least one breach notice of that target. `totals`: escalations per severity, if known."""
    if totals is None:
        totals = {sev: int(n) for sev, n in session.execute(
            select(Escalation.severity, func.count()).where(Escalation.opened_at >= since)
            .group_by(Escalation.severity))}
    breached = {(sev, target): int(n) for sev, target, n in session.execute(
        select(Escalation.severity, Notice.target, func.count(distinct(Notice.escalation_id)))
        .join(Escalation, Escalation.id == Notice.escalation_id)
        # sent_at >= since holds for every notice of an escalation opened since: it lets
        # the (target, sent_at) index pick the few notices of the period first
        .where(Notice.target.in_(BREACH_TARGETS), Notice.sent_at >= since,
               Escalation.opened_at >= since)
        .group_by(Escalation.severity, Notice.target))}
    rates: dict[str, dict[str, Any]] = {t: {} for t in BREACH_TARGETS}
    for sev, total in sorted(totals.items()):
        for target in BREACH_TARGETS:
            n = breached.get((sev, target), 0)
            rates[target][str(sev)] = {"escalations": int(total), "breached": n,
                                       "rate": round(n / int(total), 3)}
    return rates


def highest_rung(session: Session, since: datetime) -> dict[str, int]:
    """How many escalations reached each rung (their highest so far), csm first."""
    rows = {rung: int(n) for rung, n in session.execute(
        select(Escalation.rung, func.count()).where(Escalation.opened_at >= since)
        .group_by(Escalation.rung))}
    order = [r for r in RUNGS if r in rows] + sorted(r for r in rows if r not in RUNGS)
    return {r: int(rows[r]) for r in order}


def weekly_trend(session: Session, now: datetime) -> list[dict[str, Any]]:
    """The last TREND_WEEKS weeks (Monday first): opened, resolved, breach notices."""
    monday = now.date() - timedelta(days=now.weekday())
    first = monday - timedelta(weeks=TREND_WEEKS - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    weeks: dict[str, dict[str, Any]] = {
        (first + timedelta(weeks=i)).isoformat(): {"opened": 0, "resolved": 0, "breaches": 0}
        for i in range(TREND_WEEKS)
    }
    series = {
        "opened": (Escalation.opened_at, None),
        "resolved": (Escalation.resolved_at, None),  # set only while done
        "breaches": (Notice.sent_at, Notice.target.in_(BREACH_TARGETS)),
    }
    for name, (column, extra) in series.items():
        week = week_of(session, column)
        where = and_(column >= since, extra if extra is not None else literal(True))
        for wk, n in session.execute(select(week, func.count()).where(where).group_by(week)):
            key = wk.isoformat() if isinstance(wk, date) else str(wk)
            if key in weeks:
                weeks[key][name] = int(n)
    return [{"week": k, **v} for k, v in weeks.items()]


def period_start(now: datetime) -> datetime:
    return now - timedelta(days=PERIOD_DAYS)


def sla_figures(session: Session, now: datetime) -> dict[str, Any]:
    since = period_start(now)
    ack = minutes(session, Escalation.opened_at, Escalation.acknowledged_at)
    resolve = (minutes(session, Escalation.opened_at, Escalation.resolved_at)
               - Escalation.paused_seconds / 60.0)
    figures, totals = durations(session, since, {
        "mtta_minutes": (ack, Escalation.acknowledged_at.is_not(None), 1),
        "mttr_hours": (resolve, (Escalation.status == "done")
                       & Escalation.resolved_at.is_not(None), 60),
    })
    return {
        "since": since.isoformat().replace("+00:00", "Z"),
        **figures,
        "breach_rate": breach_rates(session, since, totals),
        "highest_rung": highest_rung(session, since),
        "weekly": weekly_trend(session, now),
    }


def review_figures(session: Session, since: datetime) -> dict[str, Any]:
    """Completion and satisfaction of the reviews of escalations opened since `since`;
    their root causes by category. One GROUP BY (category, root cause) gives both: the
    totals are the sums of its few rows, so the period is joined to the reviews once."""
    rows = session.execute(
        select(Escalation.category, Review.root_cause, func.count(),
               func.count(Review.requested_at), func.count(Review.completed_at),
               func.sum(case((Review.satisfied.is_(True), 1), else_=0)),
               func.sum(case((Review.satisfied.is_(False), 1), else_=0)))
        .join(Escalation, Escalation.id == Review.escalation_id)
        .where(Escalation.opened_at >= since)
        .group_by(Escalation.category, Review.root_cause)
        .order_by(Escalation.category, func.count().desc(), Review.root_cause)).all()
    requested, completed, yes, no = (sum(int(r[i] or 0) for r in rows) for i in range(3, 7))
    causes: dict[str, list[dict[str, Any]]] = {}
    for category, cause, n, *_ in rows:
        if cause is not None:
            causes.setdefault(category or "(none)", []).append({"root_cause": cause, "count": n})
    return {
        "requested": requested, "completed": completed,
        "completion_rate": round(completed / requested, 3) if requested else None,
        "satisfied": yes, "not_satisfied": no,
        "satisfaction_rate": round(yes / (yes + no), 3) if yes + no else None,
        "root_causes_by_category": causes,
    }
