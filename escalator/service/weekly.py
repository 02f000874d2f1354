"""The weekly leadership report by email: [report] weekly_to, on `day` at `at` local time.

Once the week's report instant has passed, the first tick sends it (after downtime, the
first tick after); a row per week with a unique key, committed with the outbox row, makes
it once a week however many instances tick. Its figures are reports_week.week_figures,
the same call `report --json` makes for its "weekly" object; the charts are charts.py's
inline SVG (no remote content), every figure also in a table and in the text part.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from escalator import charts
from escalator.db import Database
from escalator.service.outbox import enqueue
from escalator.service.reports_week import Week, last_week, week_figures
from escalator.settings import Settings
from models import WeeklyReportSent

log = logging.getLogger(__name__)


def weekly_sweep(db: Database, settings: Settings, now: datetime) -> int:
    """Queue the last week's report unless it went already; 1 when queued."""
    if settings.report is None:
        return 0
    week = last_week(settings.report, now)
    with db.transaction() as session:
        if session.scalar(select(WeeklyReportSent.id).where(WeeklyReportSent.week
                                                            == week.label)) is not None:
            return 0
    try:
        with db.transaction() as session:
            session.add(WeeklyReportSent(week=week.label, sent_at=now))
            session.flush()  # the unique key: another instance got here first
            figures = week_figures(session, settings, week)
            enqueue(session, settings, kind="weekly", now=now, to=settings.report.weekly_to,
                    context=weekly_context(figures, week, settings))
    except IntegrityError:
        log.info("weekly report %s already queued by another instance", week.label)
        return 0
    return 1


def _fluid(svg: Markup) -> Markup:
    """A chart that shrinks to a phone's width (charts.py draws it at a fixed width)."""
    return Markup(str(svg).replace(' style="', ' style="max-width:100%;height:auto;', 1))


def weekly_context(w: dict[str, Any], week: Week, settings: Settings) -> dict[str, Any]:
    trend = w["trend"]
    labels = [row["week"][5:] for row in trend]
    return {
        "w": w, "week": week,
        "timezone": settings.report.timezone if settings.report else "UTC",
        "charts": {
            "trend": _fluid(charts.columns(labels, {
                "opened": [row["opened"] for row in trend],
                "resolved": [row["resolved"] for row in trend],
                "breach notices": [row["breach_notices"] for row in trend]},
                width=600, height=190, title="Escalations per week")),
            "rungs": _fluid(charts.hbars(
                [(rung, v["open"]) for rung, v in w["open_by_rung"].items()], width=600,
                title="Open escalations by rung")),
            "segments": _fluid(charts.hbars(
                [(seg, v["rate_per_100_accounts"] or 0) for seg, v in w["by_segment"].items()
                 if v["accounts"]], width=600, color=charts.PALETTE[4],
                fmt=lambda x: f"{x:,.1f} per 100", title="Escalation rate by segment")),
        },
    }


def sample_context(now: datetime) -> dict[str, Any]:
    """A week of figures in week_figures' shape, with text typed by users (start-up check,
    template tests and screenshots)."""
    from datetime import timedelta

    week = Week("2026-11-23", now - timedelta(days=7), now)
    trend = [{"week": day, "opened": o, "acknowledged": o, "resolved": r,
              "breach_notices": b, "breached": b, "breach_rate": round(b / o, 3),
              "mtta_minutes": mtta, "mttr_hours": mttr}
             for day, o, r, b, mtta, mttr in (
                 ("2026-10-26", 9, 7, 2, 95.0, 40.5), ("2026-11-02", 12, 8, 3, 120.5, 52.0),
                 ("2026-11-09", 7, 10, 1, 64.0, 33.0), ("2026-11-16", 11, 6, 4, 180.0, 61.5),
                 ("2026-11-23", 14, 9, 2, 75.5, 28.0))]
    figures: dict[str, Any] = {
        "week": week.label, "start": "2026-11-16T08:00:00Z", "end": "2026-11-23T08:00:00Z",
        "accounts": 1480, "opened": 14, "rate_per_100_accounts": 0.95,
        "by_segment": {
            "Enterprise": {"accounts": 120, "opened": 6, "rate_per_100_accounts": 5.0},
            "Mid-Market <EU>": {"accounts": 360, "opened": 5, "rate_per_100_accounts": 1.39},
            "SMB": {"accounts": 1000, "opened": 3, "rate_per_100_accounts": 0.3}},
        "open_by_rung": {"csm": {"open": 9, "overdue": 1}, "manager": {"open": 6, "overdue": 2},
                         "director": {"open": 3, "overdue": 1},
                         "vp": {"open": 1, "overdue": 0}},
        "arr_exposure": 4_350_000, "accounts_exposed": 15,
        "renewing_90_days": {"accounts": 5, "open": 7, "arr_exposure": 2_100_000},
        "response": {"count": 13, "within_target": 11, "rate": 0.846, "by_severity": {
            "1": {"count": 1, "mean_minutes": 42.0, "target_minutes": 60.0, "within_target": 1},
            "2": {"count": 4, "mean_minutes": 190.5, "target_minutes": 240.0,
                  "within_target": 3},
            "3": {"count": 8, "mean_minutes": 610.0, "target_minutes": 1440.0,
                  "within_target": 7}}},
        "resolution": {"count": 9, "within_target": 7, "rate": 0.778, "by_severity": {
            "2": {"count": 3, "mean_hours": 60.5, "target_hours": 72.0, "within_target": 2},
            "3": {"count": 6, "mean_hours": 150.0, "target_hours": 240.0,
                  "within_target": 5}}},
        "breaches": {"notices": 2, "escalations": 14, "breached": 2, "rate": 0.143},
        "asks": {"tracked": True, "met": 5, "not_met": 1, "total": 6, "rate": 0.833,
                 "open": 8},
        "reviews": {"completed": 6, "satisfied": 5, "not_satisfied": 1,
                    "satisfaction_rate": 0.833, "root_causes_by_category": {
                        "Billing": [{"root_cause": "Invoice run <script>alert(1)</script>",
                                     "count": 2}],
                        "Product": [{"root_cause": "Export regression", "count": 3},
                                    {"root_cause": "SSO misconfiguration", "count": 1}]}},
        "repeat_accounts": [{"name": "Initech <Ltd>", "arr": 250000, "segment": "Mid-Market",
                             "escalations": 4, "last_opened_at": "2026-11-21T10:00:00Z"}],
        "trend": trend,
    }
    return weekly_context(figures, week, Settings())
