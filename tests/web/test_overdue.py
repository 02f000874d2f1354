"""The overdue query (escalator.service.dashboard.overdue) on SQLite and PostgreSQL:
every escalation past a target at `now`, at every rung, the top one too; none that is done,
waiting or within its targets; read through the status index."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from escalator.service import dashboard
from escalator.service.intake import handle_message
from escalator.settings import RUNGS
from models import Escalation
from tests.reports.sample import CSM, T0, reply_mail
from tests.web.overdue_world import EXPECTED, NOT_LATE, overdue_world


def test_overdue_at_every_rung_longest_late_first(database_url: str) -> None:
    db, _, now = overdue_world(database_url)
    with db.transaction() as session:
        late, total = dashboard.overdue(session, now)
        top = session.get(Escalation, 1)
    db.dispose()
    assert [(v["id"], v["rung"]) for v in late] == EXPECTED and total == len(EXPECTED)
    assert {rung for _, rung in EXPECTED} == set(RUNGS)
    assert top is not None and top.next_escalation_at is None  # nothing climbs any more...
    assert late[0]["top"] and not any(v["top"] for v in late[1:])  # ...yet it is late
    lates = [v["late_by"] for v in late]
    assert lates == sorted(lates, reverse=True) and min(lates) > 0
    for v in late:
        first = v["response_due_at"] if v["acknowledged_at"] is None else v["resolution_due_at"]
        assert v["late_by"] == int((now - first).total_seconds())
    assert not set(NOT_LATE) & {v["id"] for v in late}


def test_the_time_passed_in_decides(database_url: str) -> None:
    db, _, now = overdue_world(database_url)
    with db.transaction() as session:
        before = dashboard.overdue(session, T0 + timedelta(hours=6, minutes=30))
        later = dashboard.overdue(session, now + timedelta(days=30))
        limited = dashboard.overdue(session, now, limit=2)
    db.dispose()
    assert [v["id"] for v in before[0]] == ["ESC-1", "ESC-3"]  # ESC-3 due T0 + 6 h
    assert "ESC-9" in [v["id"] for v in later[0]]
    assert [v["id"] for v in limited[0]] == ["ESC-1", "ESC-3"] and limited[1] == len(EXPECTED)


def test_waiting_and_done_are_not_overdue_acknowledged_counts_resolution(
        database_url: str) -> None:
    db, settings, now = overdue_world(database_url)
    at = now - timedelta(minutes=30)
    handle_message(db, settings, reply_mail(db, 3, CSM, "Status: waiting"), at)
    handle_message(db, settings, reply_mail(db, 4, CSM, "Status: done"), at)
    handle_message(db, settings, reply_mail(db, 8, CSM, "ack"), at)
    with db.transaction() as session:
        late, total = dashboard.overdue(session, now)
    db.dispose()
    ids = [v["id"] for v in late]
    assert "ESC-3" not in ids and "ESC-4" not in ids  # the clock stopped; resolved
    assert "ESC-8" not in ids  # acknowledged; its resolution target is weeks away
    assert "ESC-7" in ids and total == len(ids)
    esc7 = next(v for v in late if v["id"] == "ESC-7")
    assert esc7["missed"] == ["response", "resolution"] and esc7["late"] == "response"


def test_overdue_reads_through_an_index(database_url: str) -> None:
    db, _, now = overdue_world(database_url)
    query = select(Escalation.id).where(dashboard._late_clause(now))
    with db.transaction() as session:
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table
            sql = query.compile(session.bind, compile_kwargs={"literal_binds": True})
            plan = " ".join(r[0] for r in session.execute(text(f"EXPLAIN {sql}")))
        else:
            sql = query.compile(session.bind, compile_kwargs={"literal_binds": True})
            plan = " ".join(str(r[-1]) for r in session.execute(
                text(f"EXPLAIN QUERY PLAN {sql}")))
    db.dispose()
    assert "ix_escalation_status" in plan or "ix_escalation_report_open" in plan, plan
