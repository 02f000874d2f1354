"""Account roll-ups for `report` and the dashboard: open and urgent escalations per
account, ARR exposure by type and category, renewals coming up, segments and teams.

Everything is a GROUP BY in the database; Python only shapes the aggregated rows.

ARR exposure: an account's ARR counted once per account that has at least one open
escalation (status not done). By type (or category): once per (type, account) pair with an
open escalation of that type, so one account can count under several types. Urgent: open
and of type Churn Risk (case-insensitive). Accounts without a known ARR count as 0.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, case, func, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CTE

from escalator.service.reports_sla import period_start, review_figures, sla_figures
from escalator.settings import Settings

if TYPE_CHECKING:
    from escalator.service.reports_week import Week
from models import Account, Escalation, EscalationAccount
from models.escalation import OPEN_STATUSES

URGENT_TYPE = "churn risk"
RENEWAL_WINDOWS = (30, 60, 90)


def is_open() -> ColumnElement[bool]:
    return Escalation.status.in_(OPEN_STATUSES)


def is_churn_risk() -> ColumnElement[bool]:
    return func.lower(func.trim(Escalation.type)) == URGENT_TYPE


def money(value: Any) -> int | float:
    """ARR sums as JSON numbers: whole amounts as integers."""
    number = round(float(value or 0), 2)
    return int(number) if number.is_integer() else number


def open_escalations(*columns: Any) -> CTE:
    """id and `columns` of the open escalations, from the covering open index. MATERIALIZED
    on SQLite only: else SQLite walks every link in account order to save a sort, while
    PostgreSQL, given the plain join, hashes these few rows rather than all the links."""
    return (select(Escalation.id, *columns).where(is_open())
            .cte("open_escalation").prefix_with("MATERIALIZED", dialect="sqlite"))


def per_account_counts() -> Select[int, int, Any]:
    """account_id, open, urgent: one row per account with open escalations. The open rows
    come first, then their links by primary key."""
    open_rows = open_escalations(Escalation.type)
    return (
        select(
            EscalationAccount.account_id.label("account_id"),
            func.count().label("open"),
            func.sum(case((func.lower(func.trim(open_rows.c.type)) == URGENT_TYPE, 1),
                          else_=0)).label("urgent"),
        )
        .select_from(open_rows)
        .join(EscalationAccount, EscalationAccount.escalation_id == open_rows.c.id)
        .group_by(EscalationAccount.account_id)
    )


def accounts(session: Session, limit: int | None = None, offset: int = 0,
             name: str = "") -> list[dict[str, Any]]:
    """Per account, most exposed first: the contract's {name, arr, renewal_date, open,
    urgent, arr_exposure} plus health, segment, team and csm."""
    counts = per_account_counts().subquery()
    open_ = func.coalesce(counts.c.open, 0)
    exposure = case((open_ > 0, func.coalesce(Account.arr, 0)), else_=0)
    query = (
        select(Account.name, Account.arr, Account.renewal_date, Account.health,
               Account.segment, Account.team, Account.csm, Account.source, open_,
               func.coalesce(counts.c.urgent, 0), exposure)
        .outerjoin(counts, counts.c.account_id == Account.id)
        .order_by(exposure.desc(), open_.desc(), Account.name, Account.id)
        .offset(offset).limit(limit)
    )
    if name:
        query = query.where(Account.name.ilike(contains(name), escape="\\"))
    return [  # plain columns, not entities: 15,000 rows without the identity map's cost
        {"name": name, "arr": money(arr) if arr is not None else None,
         "renewal_date": renewal.isoformat() if renewal else None,
         "open": int(o), "urgent": int(u), "arr_exposure": money(x), "health": health,
         "segment": segment, "team": team, "csm": csm, "in_directory": source == "directory"}
        for name, arr, renewal, health, segment, team, csm, source, o, u, x
        in session.execute(query)
    ]


ACCOUNT_GROUPS = {"segment": Account.segment, "team": Account.team}
ESCALATION_GROUPS = ("type", "category")


def rollups(session: Session, groups: tuple[str, ...] = (*ESCALATION_GROUPS, *ACCOUNT_GROUPS)
            ) -> dict[str, Any]:
    """{"totals": {open, urgent, accounts_exposed, arr_exposure}, and per group of `groups`
    {value: figures}} in one statement: the open rows and their accounts are read once (two
    MATERIALIZED CTEs) instead of once per figure.

    type, category: {open, accounts, arr_exposure} per (case-insensitive) value, shown as
    written, most exposed first; segment, team: {accounts, open, urgent, arr_exposure} over
    the accounts with open escalations, most open first."""
    open_rows = open_escalations(Escalation.type, Escalation.category)
    links = (select(open_rows.c.type, open_rows.c.category, EscalationAccount.account_id)
             .join(EscalationAccount, EscalationAccount.escalation_id == open_rows.c.id)
             .cte("open_link").prefix_with("MATERIALIZED"))
    urgent_ = func.sum(case((func.lower(func.trim(links.c.type)) == URGENT_TYPE, 1), else_=0))
    exposed = (select(links.c.account_id, func.count().label("open"), urgent_.label("urgent"))
               .group_by(links.c.account_id).subquery())
    accounts_ = (select(exposed, func.coalesce(Account.arr, 0).label("arr"),
                        *(c.label(k) for k, c in ACCOUNT_GROUPS.items()))
                 .join(Account, Account.id == exposed.c.account_id)
                 .cte("exposed_account").prefix_with("MATERIALIZED"))
    a = accounts_.c

    def part(kind: str, key: Any, label: Any, open_: Any, urgent: Any, arr: Any,
             rank: Any) -> Select[Any]:
        return select(literal(kind).label("kind"), key.label("key"), label.label("label"),
                      func.count().label("accounts"), open_.label("open"),
                      urgent.label("urgent"), arr.label("arr"), rank.label("rank"))

    parts = [part("", literal(""), literal(""), func.sum(a.open), func.sum(a.urgent),
                  func.sum(a.arr), func.sum(a.open))]
    for kind in groups:
        if kind in ACCOUNT_GROUPS:
            column = a[kind]
            parts.append(part(kind, column, column, func.sum(a.open), func.sum(a.urgent),
                              func.sum(a.arr), func.sum(a.open)).group_by(column))
            continue
        value = links.c[kind]  # one row per (value, account) first: ARR once per pair
        key = func.lower(func.trim(value))
        pairs = (select(key.label("key"), func.min(value).label("label"),
                        links.c.account_id, func.count().label("open"))
                 .group_by(key, links.c.account_id).subquery())
        arr = func.sum(func.coalesce(Account.arr, 0))  # by primary key: no transient index
        parts.append(part(kind, pairs.c.key, func.min(pairs.c.label), func.sum(pairs.c.open),
                          literal(0), arr, arr)
                     .join_from(pairs, Account, Account.id == pairs.c.account_id)
                     .group_by(pairs.c.key))
    u = union_all(*parts).subquery()
    out: dict[str, Any] = {kind: {} for kind in groups}
    for kind, _, label, n, o, urgent, arr, _ in session.execute(
            select(u).order_by(u.c.kind, u.c.rank.desc(), u.c.label)):
        if not kind:
            out["totals"] = {"open": int(o or 0), "urgent": int(urgent or 0),
                             "accounts_exposed": int(n or 0), "arr_exposure": money(arr)}
        elif kind in ACCOUNT_GROUPS:
            out[kind][label or "(none)"] = {"accounts": int(n), "open": int(o),
                                            "urgent": int(urgent), "arr_exposure": money(arr)}
        else:
            out[kind][(label or "").strip() or "(none)"] = {
                "open": int(o), "accounts": int(n), "arr_exposure": money(arr)}
    return out


def renewals(session: Session, today: date) -> list[dict[str, Any]]:
    """Open escalations on accounts renewing within 30, 60 and 90 days (each window
    includes the shorter ones), with the accounts soonest first."""
    counts = per_account_counts().subquery()
    query = (
        select(Account.name, Account.renewal_date, Account.arr, counts.c.open, counts.c.urgent)
        .join(counts, counts.c.account_id == Account.id)
        .where(Account.renewal_date >= today,
               Account.renewal_date <= today + timedelta(days=max(RENEWAL_WINDOWS)))
        .order_by(Account.renewal_date, Account.name)
    )
    rows = session.execute(query).all()  # accounts, not escalations: at most the exposed ones
    windows = []
    for days in RENEWAL_WINDOWS:
        inside = [r for r in rows if r.renewal_date <= today + timedelta(days=days)]
        windows.append({
            "within_days": days, "accounts": len(inside),
            "open": sum(int(r.open) for r in inside),
            "arr_exposure": money(sum(float(r.arr or 0) for r in inside)),
            "items": [{"name": r.name, "renewal_date": r.renewal_date.isoformat(),
                       "open": int(r.open), "urgent": int(r.urgent),
                       "arr": money(r.arr) if r.arr is not None else None}
                      for r in inside[:50]],
        })
    return windows


def build_report(session: Session, now: datetime, settings: Settings | None = None,
                 week: Week | None = None) -> dict[str, Any]:
    """The whole `report --json` object (DESIGN.md's contract, and more). "weekly": the
    weekly report's figures (reports_week.py) for `week`, by default the last week whose
    report time has passed."""
    from escalator.service import reports_week

    settings = settings or Settings()
    span = week or reports_week.last_week(reports_week.report_settings(settings), now)
    r = rollups(session)
    return {
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "totals": r["totals"],
        "accounts": accounts(session),
        "arr_exposure_by_type": {k: v["arr_exposure"] for k, v in r["type"].items()},
        "by_type": r["type"],
        "by_category": r["category"],
        "renewals": renewals(session, now.date()),
        "by_segment": r["segment"],
        "by_team": r["team"],
        "sla": sla_figures(session, now),
        "review": review_figures(session, period_start(now)),
        "weekly": reports_week.week_figures(session, settings, span),
    }


def contains(text: str) -> str:
    """A LIKE pattern for names holding `text` as typed: % and _ are letters, not wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
