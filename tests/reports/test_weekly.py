"""The weekly leadership report on SQLite and PostgreSQL: its week (pure), its figures on
a known world (hand-computed), once a week across ticks and instances, and the email's
figures equal to `report --json --week` through the CLI and a real SMTP server."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.service.reports_week import last_week, week_figures, week_named
from escalator.service.weekly import weekly_sweep
from escalator.settings import ImapSettings, ReportSettings, Settings
from models import OutboxMessage, WeeklyReportSent
from tests.reports.sample import CSM, T0, intake_mail, populate, reply_mail
from tests.support.cli import Cli, write_config
from tests.support.parts import body_text
from tests.support.smtp_server import SmtpServer

MONDAY_8 = ReportSettings(weekly_to=("cs-leads@example.com",))
SENT_AT = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)  # the first tick past Monday 08:00


def test_the_week_ends_at_the_report_instant_in_its_time_zone() -> None:
    week = last_week(MONDAY_8, datetime(2026, 11, 9, 8, 0, tzinfo=UTC))
    assert (week.label, week.start, week.end) == (
        "2026-11-09", datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 9, 8, 0, tzinfo=UTC))
    assert last_week(MONDAY_8, datetime(2026, 11, 9, 7, 59, tzinfo=UTC)).label == "2026-11-02"
    assert last_week(MONDAY_8, datetime(2026, 11, 15, 23, 0, tzinfo=UTC)).label == "2026-11-09"
    berlin = ReportSettings(day=4, at="16:30", timezone="Europe/Berlin")  # Fridays
    week = last_week(berlin, datetime(2026, 11, 6, 15, 30, tzinfo=UTC))  # 16:30 CET
    assert (week.label, week.end) == ("2026-11-06", datetime(2026, 11, 6, 15, 30, tzinfo=UTC))
    # across the end of summer time (2026-10-25): seven local days, 169 hours
    week = week_named(berlin, "2026-10-30")
    assert week.end - week.start == timedelta(hours=169)
    with pytest.raises(ValueError, match="is a Monday; the report's day is Friday"):
        week_named(berlin, "2026-11-02")
    with pytest.raises(ValueError, match="not a date"):
        week_named(berlin, "last week")


def world(url: str) -> tuple[Database, Settings]:
    """tests/reports/sample.py, plus one escalation the week before (Initech's third in
    90 days) and two reviews answered in the week."""
    db, s = populate(url)
    s = replace(s, report=MONDAY_8)
    ask = intake_mail("Initech", "Usage dropped", "Churn Risk", "Product", 3).replace(
        b"Timeline: this month\n",
        b"Timeline: this month\nEscalation Ask:\n- Executive sponsor call\n- Usage review\n"
        b"- Credit for November\n")
    handle_message(db, s, ask, T0 - timedelta(days=5))  # ESC-7, in the week to 11-02
    handle_message(db, s, reply_mail(db, 7, CSM, "Done: A1\nSkip: A3 finance said no"),
                   T0 + timedelta(days=2))
    handle_message(db, s, reply_mail(db, 2, CSM, "Satisfied: yes\nRoot cause: expired SSO "
                                     "certificate\nPrevention: expiry monitoring"),
                   T0 + timedelta(days=1))
    handle_message(db, s, reply_mail(db, 5, CSM, "Satisfied: no\nRoot cause: invoice run "
                                     "failed\nPrevention: a check before sending"),
                   T0 + timedelta(days=3))
    return db, s


def test_figures_of_a_known_week(database_url: str) -> None:
    db, s = world(database_url)
    with db.transaction() as session:
        w = week_figures(session, s, week_named(MONDAY_8, "2026-11-09"))
    db.dispose()
    assert (w["accounts"], w["opened"], w["rate_per_100_accounts"]) == (3, 6, 200.0)
    assert w["by_segment"]["Enterprise"] == {"accounts": 1, "opened": 2,
                                             "rate_per_100_accounts": 200.0}
    assert w["by_segment"]["SMB"]["rate_per_100_accounts"] == 100.0
    assert w["by_segment"]["(none)"] == {"accounts": 0, "opened": 1,  # Acme, not in it
                                         "rate_per_100_accounts": None}
    # open now: ESC-1 (sev 1, climbed to executive), 3, 4, 6 and 7; all past a due time
    assert w["open_by_rung"] == {"manager": {"open": 3, "overdue": 3},
                                 "director": {"open": 1, "overdue": 1},
                                 "executive": {"open": 1, "overdue": 1}}
    assert (w["arr_exposure"], w["accounts_exposed"]) == (1_450_000, 3)
    assert w["renewing_90_days"] == {"accounts": 2, "open": 4, "arr_exposure": 1_450_000}
    assert w["response"]["by_severity"]["2"] == {"count": 1, "mean_minutes": 30.0,
                                                 "target_minutes": 240.0, "within_target": 1}
    assert w["resolution"]["by_severity"]["2"] == {"count": 1, "mean_hours": 10.0,
                                                   "target_hours": 72.0, "within_target": 1}
    assert w["breaches"] == {"notices": 1, "escalations": 6, "breached": 1, "rate": 0.167}
    assert w["asks"] == {"tracked": True, "met": 1, "not_met": 1, "total": 2, "rate": 0.5,
                         "open": 1}  # ESC-7's A2
    assert w["reviews"] == {
        "completed": 2, "satisfied": 1, "not_satisfied": 1, "satisfaction_rate": 0.5,
        "root_causes_by_category": {
            "Billing": [{"root_cause": "invoice run failed", "count": 1}],
            "Product": [{"root_cause": "expired SSO certificate", "count": 1}]}}
    assert [(a["name"], a["escalations"]) for a in w["repeat_accounts"]] == [("Initech", 3)]
    assert [(t["week"], t["opened"]) for t in w["trend"]] == [
        ("2026-10-12", 0), ("2026-10-19", 0), ("2026-10-26", 0), ("2026-11-02", 1),
        ("2026-11-09", 6)]


def weekly_rows(db: Database) -> list[tuple[str, list[str]]]:
    with db.transaction() as session:
        return [(r.subject, r.to_addrs) for r in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "weekly")
            .order_by(OutboxMessage.id))]


def test_once_a_week_across_ticks_and_instances(database_url: str) -> None:
    db, s = world(database_url)
    assert weekly_sweep(db, replace(s, report=None), SENT_AT) == 0  # no [report]: none
    counts: list[int] = []
    start = threading.Barrier(4)

    def instance() -> None:
        start.wait()
        counts.append(weekly_sweep(db, s, SENT_AT))

    threads = [threading.Thread(target=instance) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(counts) == [0, 0, 0, 1]
    for later in (timedelta(minutes=1), timedelta(hours=12), timedelta(days=6, hours=23)):
        assert weekly_sweep(db, s, SENT_AT + later) == 0  # 11-16 07:30 at the latest
    assert weekly_sweep(db, s, datetime(2026, 11, 16, 8, 0, tzinfo=UTC)) == 1
    rows = weekly_rows(db)
    assert [to for _, to in rows] == [["cs-leads@example.com"]] * 2
    assert rows[0][0].startswith("Weekly escalation report 2026-11-09: 6 opened")
    with db.transaction() as session:
        assert list(session.scalars(select(WeeklyReportSent.week)
                                    .order_by(WeeklyReportSent.week))) == [
            "2026-11-09", "2026-11-16"]
    db.dispose()


def money(x: float) -> str:
    return f"${x:,.0f}"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{round(x * 100)}%"


@pytest.mark.integration
def test_the_email_says_what_report_json_says(database_url: str, tmp_path: Path,
                                              smtp_server: SmtpServer) -> None:
    db, _ = world(database_url)
    db.dispose()
    cli = Cli(write_config(tmp_path / "config.toml", database_url,
                           ImapSettings(host="127.0.0.1", username="u", password="p"),
                           smtp_server.settings(),
                           extra='[report]\nweekly_to = ["cs-leads@example.com"]\n'))
    out = cli.run("tick", "--at", SENT_AT.isoformat()).stdout
    assert "weekly report queued" in out
    [mail] = [m.message() for m in smtp_server.messages
              if "cs-leads@example.com" in m.rcpt_tos]
    text = body_text(mail)
    html = body_text(mail, "html")
    w: dict[str, Any] = cli.json("report", "--week", "2026-11-09")["weekly"]
    assert w["week"] == "2026-11-09" and w["opened"] == 6  # the week the email is about
    expected = [
        f"{w['opened']} opened across {w['accounts']} accounts in the directory = "
        f"{w['rate_per_100_accounts']:g} per 100 accounts",
        *(f"{seg:<22} {v['opened']} opened / {v['accounts']} accounts = "
          + ("—" if v["rate_per_100_accounts"] is None else f"{v['rate_per_100_accounts']:g}")
          for seg, v in w["by_segment"].items()),
        *(f"{rung:<10} {v['open']} open, {v['overdue']} overdue"
          for rung, v in w["open_by_rung"].items()),
        f"ARR exposed: {money(w['arr_exposure'])} on {w['accounts_exposed']} accounts",
        f"Renewing within 90 days: {money(w['renewing_90_days']['arr_exposure'])} on "
        f"{w['renewing_90_days']['accounts']} accounts ({w['renewing_90_days']['open']} open",
        f"(acknowledged this week): {w['response']['count']}, "
        f"{w['response']['within_target']} within target ({pct(w['response']['rate'])})",
        f"(resolved this week): {w['resolution']['count']}, "
        f"{w['resolution']['within_target']} within target ({pct(w['resolution']['rate'])})",
        f"Breach rate: {w['breaches']['breached']} of {w['breaches']['escalations']} opened "
        f"this week breached a target ({pct(w['breaches']['rate'])}); "
        f"{w['breaches']['notices']} breach notices",
        f"Reviews completed this week: {w['reviews']['completed']}; customer satisfied: "
        f"{w['reviews']['satisfied']}, not satisfied: {w['reviews']['not_satisfied']}",
        *(f"{a['name']}: {a['escalations']} escalations" for a in w["repeat_accounts"]),
        *(f"{t['week']:<12}  {t['opened']:6d}  {t['resolved']:8d}  {t['breach_notices']:14d}"
          for t in w["trend"]),
        f"Asks met (closed this week): {w['asks']['met']} of {w['asks']['total']} "
        f"({pct(w['asks']['rate'])}), {w['asks']['not_met']} not met; {w['asks']['open']} "
        "still open",
    ]
    for line in expected:
        assert line in text, line
    for sev, v in w["response"]["by_severity"].items():
        assert (f"severity {sev}: mean {v['mean_minutes']:,g} min against "
                f"{v['target_minutes']:,g} min; {v['within_target']} of {v['count']}") in text
    assert html.count("<svg") == 3 and "<img" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert mail["Subject"] == (
        f"Weekly escalation report 2026-11-09: {w['opened']} opened, "
        f"{sum(v['open'] for v in w['open_by_rung'].values())} open "
        f"({sum(v['overdue'] for v in w['open_by_rung'].values())} overdue), "
        f"{money(w['arr_exposure'])} ARR exposed")
    assert date.fromisoformat(w["week"]).weekday() == 0
