"""The week's figures: `report --json`'s "weekly" and the weekly leadership email read this
one computation.

A week is the seven days ending at the report's instant ([report] day, at, timezone;
Monday 08:00 UTC without a [report] table): the report sent Monday 2026-11-09 08:00
covers 2026-11-02 08:00 to 2026-11-09 08:00 and is named by its day, "2026-11-09".

Flows (opened, acknowledged, resolved, breach notices, reviews completed) count what
happened inside the week. State (open and overdue by rung, ARR exposed, renewing within
90 days) is the escalations' state when the figures are read, overdue measured at the
week's end, so the email and a `report --json --week` of the same week agree while
nothing changes in between. Time to acknowledge covers the escalations acknowledged in
the week, time to resolve those resolved in it (waiting time left out); "within target"
compares each with its own due time (calendars and pauses included). Breach rate: of the
escalations opened in the week, how many got a breach notice (so far).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from escalator.service.reports import is_open, money, renewals, rollups
from escalator.service.reports_sla import BREACH_TARGETS, minutes
from escalator.settings import RUNGS, ReportSettings, Settings
from models import Account, Escalation, EscalationAccount, Notice, Review
from models.task import Task

TREND_WEEKS = 4  # the weeks before, for the trend
REPEAT_DAYS, REPEAT_COUNT = 90, 3  # the third escalation on an account within 90 days


@dataclass(frozen=True)
class Week:
    label: str  # the report's local day, YYYY-MM-DD
    start: datetime  # UTC
    end: datetime  # UTC, exclusive: the report's instant


def report_settings(settings: Settings) -> ReportSettings:
    return settings.report or ReportSettings()


def due_on(rules: ReportSettings, day: date) -> datetime:
    """The instant (UTC) of the report on a local day."""
    hour, minute = (int(part) for part in rules.at.split(":"))
    return datetime.combine(day, time(hour, minute), ZoneInfo(rules.timezone)).astimezone(UTC)


def week_of(rules: ReportSettings, day: date) -> Week:
    end = due_on(rules, day)
    start = due_on(rules, day - timedelta(days=7))  # seven local days, across a DST change
    return Week(day.isoformat(), start, end)


def last_week(rules: ReportSettings, now: datetime) -> Week:
    """The most recent week whose report instant is at or before `now`."""
    local = now.astimezone(ZoneInfo(rules.timezone)).date()
    day = local - timedelta(days=(local.weekday() - rules.day) % 7)
    if due_on(rules, day) > now:
        day -= timedelta(days=7)
    return week_of(rules, day)


def week_named(rules: ReportSettings, label: str) -> Week:
    """`--week YYYY-MM-DD`: the week whose report is on that day (ValueError otherwise)."""
    try:
        day = date.fromisoformat(label)
    except ValueError:
        raise ValueError("not a date (use YYYY-MM-DD, a day the report is sent)") from None
    if day.weekday() != rules.day:
        raise ValueError(f"{label} is a {day.strftime('%A')}; the report's day is "
                         f"{date(2024, 1, 1 + rules.day).strftime('%A')}")
    return week_of(rules, day)


def _in(column: Any, week: Week) -> Any:
    return and_(column >= week.start, column < week.end)


def week_figures(session: Session, settings: Settings, week: Week) -> dict[str, Any]:
    accounts, by_segment = _rates(session, week)
    trend = [_flows(session, w) for w in _previous(report_settings(settings), week)]
    this = _flows(session, week)
    totals = rollups(session, ())["totals"]
    ninety = next(w for w in renewals(session, week.end.date()) if w["within_days"] == 90)
    return {
        "week": week.label, "start": _iso(week.start), "end": _iso(week.end),
        "accounts": accounts,
        "opened": this["opened"],
        "rate_per_100_accounts": _per_100(this["opened"], accounts),
        "by_segment": by_segment,
        "open_by_rung": _open_by_rung(session, week.end),
        "arr_exposure": totals["arr_exposure"], "accounts_exposed": totals["accounts_exposed"],
        "renewing_90_days": {"accounts": ninety["accounts"], "open": ninety["open"],
                             "arr_exposure": ninety["arr_exposure"]},
        "response": _against_target(session, settings, week, "response"),
        "resolution": _against_target(session, settings, week, "resolution"),
        "breaches": {"notices": this["breach_notices"], "escalations": this["opened"],
                     "breached": this["breached"], "rate": this["breach_rate"]},
        "asks": _asks(session, week),
        "reviews": _reviews(session, week),
        "repeat_accounts": _repeats(session, week.end),
        "trend": [*trend, this],
    }


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _per_100(n: int, accounts: int) -> float | None:
    return round(100 * n / accounts, 2) if accounts else None


def _previous(rules: ReportSettings, week: Week) -> list[Week]:
    """The TREND_WEEKS weeks before, oldest first."""
    day = date.fromisoformat(week.label)
    return [week_of(rules, day - timedelta(weeks=back)) for back in range(TREND_WEEKS, 0, -1)]


def _rates(session: Session, week: Week) -> tuple[int, dict[str, dict[str, Any]]]:
    """Directory accounts, and per segment: accounts, escalations opened, rate per 100."""
    sizes = {seg or "(none)": int(n) for seg, n in session.execute(
        select(Account.segment, func.count()).where(Account.source == "directory")
        .group_by(Account.segment))}
    opened = {seg or "(none)": int(n) for seg, n in session.execute(
        select(Account.segment, func.count())
        .select_from(Escalation)
        .join(EscalationAccount, EscalationAccount.escalation_id == Escalation.id)
        .join(Account, Account.id == EscalationAccount.account_id)
        .where(_in(Escalation.opened_at, week))
        .group_by(Account.segment))}
    segments = sorted(set(sizes) | set(opened), key=lambda s: (-opened.get(s, 0), s))
    return sum(sizes.values()), {
        s: {"accounts": sizes.get(s, 0), "opened": opened.get(s, 0),
            "rate_per_100_accounts": _per_100(opened.get(s, 0), sizes.get(s, 0))}
        for s in segments}


def _flows(session: Session, week: Week) -> dict[str, Any]:
    """What happened in one week: the trend's row."""
    ack = minutes(session, Escalation.opened_at, Escalation.acknowledged_at)
    resolve = (minutes(session, Escalation.opened_at, Escalation.resolved_at)
               - Escalation.paused_seconds / 60.0)
    acked, mtta = session.execute(select(func.count(), func.avg(ack)).where(
        _in(Escalation.acknowledged_at, week))).one()
    resolved, mttr = session.execute(select(func.count(), func.avg(resolve)).where(
        _in(Escalation.resolved_at, week))).one()  # resolved_at is set only while done
    opened = session.scalar(select(func.count()).where(_in(Escalation.opened_at, week)))
    breached = session.scalar(  # as reports_sla.breach_rates: notices sent since the start
        select(func.count(distinct(Notice.escalation_id)))
        .join(Escalation, Escalation.id == Notice.escalation_id)
        .where(Notice.target.in_(BREACH_TARGETS), Notice.sent_at >= week.start,
               _in(Escalation.opened_at, week)))
    notices = session.scalar(select(func.count()).select_from(Notice).where(
        Notice.target.in_(BREACH_TARGETS), _in(Notice.sent_at, week)))
    return {
        "week": week.label, "opened": int(opened or 0), "acknowledged": int(acked),
        "resolved": int(resolved), "breach_notices": int(notices or 0),
        "breached": int(breached or 0),
        "breach_rate": round(int(breached or 0) / int(opened), 3) if opened else None,
        "mtta_minutes": round(float(mtta), 1) if mtta is not None else None,
        "mttr_hours": round(float(mttr) / 60, 1) if mttr is not None else None,
    }


def _open_by_rung(session: Session, at: datetime) -> dict[str, dict[str, int]]:
    """Open escalations per current rung, and how many of them are past a due time at
    `at` (not while waiting on the customer: their clock is stopped)."""
    late = and_(Escalation.status != "waiting", or_(
        and_(Escalation.acknowledged_at.is_(None), Escalation.response_due_at < at),
        Escalation.resolution_due_at < at))
    rows = {rung: (int(n), int(o or 0)) for rung, n, o in session.execute(
        select(Escalation.rung, func.count(), func.sum(case((late, 1), else_=0)))
        .where(is_open()).group_by(Escalation.rung))}
    order = [r for r in RUNGS if r in rows] + sorted(r for r in rows if r not in RUNGS)
    return {r: {"open": rows[r][0], "overdue": rows[r][1]} for r in order}


def _against_target(session: Session, settings: Settings, week: Week,
                    target: str) -> dict[str, Any]:
    """Per severity: how many were acknowledged (resolved) in the week, the mean time,
    the configured target and how many made their own due time."""
    if target == "response":
        at, due = Escalation.acknowledged_at, Escalation.response_due_at
        value = minutes(session, Escalation.opened_at, at)
        where, unit, scale = _in(at, week), "minutes", 1.0
    else:
        at, due = Escalation.resolved_at, Escalation.resolution_due_at
        value = (minutes(session, Escalation.opened_at, at)
                 - Escalation.paused_seconds / 60.0)
        where, unit, scale = _in(at, week), "hours", 60.0  # resolved_at: only while done
    rows = session.execute(
        select(Escalation.severity, func.count(), func.avg(value),
               func.sum(case((at <= due, 1), else_=0)))
        .where(where).group_by(Escalation.severity).order_by(Escalation.severity)).all()
    by_severity: dict[str, dict[str, Any]] = {}
    for sev, n, mean, met in rows:
        policy = settings.severities.get(int(sev))
        goal = getattr(policy, target).total_seconds() / 60 / scale if policy else None
        by_severity[str(sev)] = {"count": int(n), f"mean_{unit}": round(float(mean) / scale, 1),
                                 f"target_{unit}": goal, "within_target": int(met or 0)}
    count = sum(v["count"] for v in by_severity.values())
    met_all = sum(v["within_target"] for v in by_severity.values())
    return {"count": count, "within_target": met_all,
            "rate": round(met_all / count, 3) if count else None, "by_severity": by_severity}


def _asks(session: Session, week: Week) -> dict[str, Any]:
    """The Escalation Ask items closed in the week: met (Done: A1) or not (Skip: A1), and
    those still open on open escalations."""
    closed = {state: int(n) for state, n in session.execute(
        select(Task.state, func.count()).where(Task.kind == "ask", _in(Task.closed_at, week))
        .group_by(Task.state))}
    still_open = session.scalar(
        select(func.count()).select_from(Task)
        .join(Escalation, Escalation.id == Task.escalation_id)
        .where(Task.kind == "ask", Task.state == "open", is_open()))
    met, missed = closed.get("done", 0), closed.get("skipped", 0)
    return {"tracked": True, "met": met, "not_met": missed, "total": met + missed,
            "rate": round(met / (met + missed), 3) if met + missed else None,
            "open": int(still_open or 0)}


def _reviews(session: Session, week: Week) -> dict[str, Any]:
    """The reviews completed in the week: satisfaction, and root causes by category."""
    rows = session.execute(
        select(Escalation.category, Review.root_cause, func.count(),
               func.sum(case((Review.satisfied.is_(True), 1), else_=0)),
               func.sum(case((Review.satisfied.is_(False), 1), else_=0)))
        .join(Escalation, Escalation.id == Review.escalation_id)
        .where(_in(Review.completed_at, week))
        .group_by(Escalation.category, Review.root_cause)
        .order_by(Escalation.category, func.count().desc(), Review.root_cause)).all()
    yes = sum(int(r[3] or 0) for r in rows)
    no = sum(int(r[4] or 0) for r in rows)
    causes: dict[str, list[dict[str, Any]]] = {}
    for category, cause, n, _, _ in rows:
        if cause:
            causes.setdefault(category or "(none)", []).append(
                {"root_cause": cause, "count": int(n)})
    return {"completed": sum(int(r[2]) for r in rows), "satisfied": yes, "not_satisfied": no,
            "satisfaction_rate": round(yes / (yes + no), 3) if yes + no else None,
            "root_causes_by_category": causes}


def _repeats(session: Session, at: datetime) -> list[dict[str, Any]]:
    """Accounts with REPEAT_COUNT or more escalations opened in the REPEAT_DAYS to `at`:
    counted per account id from the period index and the links first, then the few
    accounts named."""
    since = at - timedelta(days=REPEAT_DAYS)
    counts = (select(EscalationAccount.account_id, func.count().label("n"),
                     func.max(Escalation.opened_at).label("last"))
              .select_from(Escalation)
              .join(EscalationAccount, EscalationAccount.escalation_id == Escalation.id)
              .where(Escalation.opened_at >= since, Escalation.opened_at < at)
              .group_by(EscalationAccount.account_id)
              .having(func.count() >= REPEAT_COUNT).subquery())
    rows = session.execute(
        select(Account.name, Account.arr, Account.segment, counts.c.n, counts.c.last)
        .join(counts, counts.c.account_id == Account.id)
        .order_by(counts.c.n.desc(), Account.name)).all()
    return [{"name": name, "arr": money(arr) if arr is not None else None,
             "segment": segment, "escalations": int(count),
             "last_opened_at": _iso(_utc(last))}
            for name, arr, segment, count, last in rows]


def _utc(value: Any) -> datetime:
    """max(opened_at) from a subquery: a datetime (PostgreSQL) or text (SQLite)."""
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at
