"""Playbooks and revenue rules through the service, on SQLite and PostgreSQL: a High-risk
escalation on a $2M account renewing in 20 days is raised with its reason, gets the
High-tier tasks and its asks; an overdue task is reminded once, then climbs once, however
often the sweep runs; a repeat escalation is flagged to the CSM's manager once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from escalator.db import Database
from escalator.playbooks import RevenueRule
from escalator.service.accounts import import_accounts
from escalator.service.intake import handle_message
from escalator.service.task_sweep import task_sweep
from escalator.settings import RevenueSettings, Settings, SmtpSettings
from models import Escalation, Event, Notice, OutboxMessage, Task

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
SETTINGS = Settings(
    smtp=SmtpSettings(from_address="escalations@example.com"),
    ladder={"manager": ("mgr@example.com",), "director": ("dir@example.com",),
            "vp": ("vp@example.com",), "executive": ("ceo@example.com",)},
    revenue=RevenueSettings(rules=(RevenueRule("Large or renewing", arr_at_least=1_000_000,
                                               renewal_within=timedelta(days=30)),)))
BODY = """Issue: Recurring feature complaints + risk of churn
Risk Level: High

Escalation Ask:
  - Executive outreach
  - Pricing flexibility
"""


def _email(n: int, account: str = "Initech", body: str = BODY) -> bytes:
    msg = EmailMessage()
    msg["From"] = "carla@example.com"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = f"Escalation: {account} – Churn risk {n}"
    msg["Message-ID"] = f"<m{n}@mail.example.com>"
    msg.set_content(body)
    return bytes(msg)


def _directory(db: Database) -> None:
    with db.transaction() as s:
        import_accounts(s, "name,arr,renewal_date,csm\nInitech,2000000,2026-12-22,"
                        "carla@example.com\nGlobex,50000,2027-08-01,carla@example.com\n", T0,
                        settings=None)


def _outbox(db: Database, kind: str) -> list[OutboxMessage]:
    with db.transaction() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id)))


def test_high_risk_two_million_account_raised_with_tasks(any_db: Database) -> None:
    _directory(any_db)
    handle_message(any_db, SETTINGS, _email(1), T0)
    with any_db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None
        assert (esc.severity, esc.rung) == (1, "vp")  # risk High = 2, raised to 1
        assert esc.response_due_at == T0 + H
        rows = list(s.scalars(select(Task).order_by(Task.kind.desc(), Task.number)))
        assert [t.title for t in rows if t.kind == "task"][:3] == [
            "De-escalate with the customer", "Call your manager", "Brief the executive team"]
        assert [(t.label, t.title) for t in rows if t.kind == "ask"] == [
            ("A1", "Executive outreach"), ("A2", "Pricing flexibility")]
        assert [t.due_at for t in rows if t.kind == "ask"] == [esc.resolution_due_at] * 2
        [raised] = s.scalars(select(Event).where(Event.kind == "raised"))
        assert "severity 2 → 1 by the rule 'Large or renewing'" in raised.detail
    [ack] = _outbox(any_db, "ack")
    assert "ARR $2,000,000 ≥ $1,000,000; renewal on 2026-12-22 in 20 days" in ack.text_body
    assert "1. [open] De-escalate with the customer — carla@example.com" in ack.text_body
    assert "A1. [open] Executive outreach" in ack.text_body
    assert "Call your manager" in ack.html_body


def test_overdue_task_reminded_once_then_climbs_once(any_db: Database) -> None:
    _directory(any_db)
    handle_message(any_db, SETTINGS, _email(1), T0)
    assert task_sweep(any_db, SETTINGS, T0 + 0.5 * H) == 0
    assert task_sweep(any_db, SETTINGS, T0 + H) == 1  # task 1 due at 1h: its reminder
    for minutes in (61, 62, 90):
        assert task_sweep(any_db, SETTINGS, T0 + timedelta(minutes=minutes)) == 0
    [reminder] = _outbox(any_db, "task_reminder")
    assert reminder.to_addrs == ["carla@example.com"]
    assert "Task 1 overdue: De-escalate with the customer" in reminder.subject
    # 4 h after its due time it climbs to the rung above the CSM: the manager, once
    task_sweep(any_db, SETTINGS, T0 + 5 * H)
    task_sweep(any_db, SETTINGS, T0 + 5 * H)
    climbs = [m for m in _outbox(any_db, "task_overdue") if "De-escalate" in m.subject]
    assert len(climbs) == 1 and climbs[0].to_addrs == ["mgr@example.com"]
    with any_db.transaction() as s:
        task = s.scalar(select(Task).where(Task.kind == "task", Task.number == 1))
        assert task is not None and task.next_at is None
        notices = list(s.scalars(select(Notice.rung).where(Notice.target == f"task:{task.id}")))
        assert sorted(notices) == ["climb", "remind"]


def test_third_escalation_in_90_days_flags_the_manager_once(any_db: Database) -> None:
    _directory(any_db)
    low = "Issue: slow reports\nRisk Level: Low\n"
    for n in range(1, 6):
        handle_message(any_db, SETTINGS, _email(n, "Globex", low), T0 + n * 24 * H)
    [flag] = _outbox(any_db, "repeat")
    assert flag.to_addrs == ["mgr@example.com"] and "[ESC-3]" in flag.subject
    assert "3 on Globex within 90 days" in flag.subject
    # the flag (day 3) is within 90 days of day 92: said once
    handle_message(any_db, SETTINGS, _email(6, "Globex", low), T0 + 92 * 24 * H)
    assert len(_outbox(any_db, "repeat")) == 1
    # day 95: the flag is older than 90 days, and days 5, 92 and 95 make three again
    handle_message(any_db, SETTINGS, _email(7, "Globex", low), T0 + 95 * 24 * H)
    assert [m.subject.split("]")[0] for m in _outbox(any_db, "repeat")] == ["[ESC-3", "[ESC-7"]


def _reply(db: Database, text: str, actor: str, at: datetime) -> list[str]:
    from escalator.service.replies import apply_commands
    from parser.commands import read

    commands, problems = read(text)
    assert problems == ()
    with db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None
        return apply_commands(s, SETTINGS, esc, commands, actor, at)


def _tasks(db: Database) -> dict[str, tuple[str, str, str]]:
    with db.transaction() as s:
        return {t.label: (t.state, t.assignee, t.reason) for t in s.scalars(select(Task))}


def test_done_skip_take_and_done_refused_while_an_ask_is_open(any_db: Database) -> None:
    _directory(any_db)
    handle_message(any_db, SETTINGS, _email(1), T0)
    changes = _reply(any_db, "Done: 1\nDone: call your MANAGER\nSkip: 3 the VP called them\n"
                     "Take: 1", "vp@example.com", T0 + 0.5 * H)
    assert changes == ["task 1 done: De-escalate with the customer",
                       "task 2 done: Call your manager",
                       "task 3 skipped: Brief the executive team (reason: the VP called them)",
                       "ask A1 taken by vp@example.com: Executive outreach"]
    found = _tasks(any_db)
    assert found["1"][0] == found["2"][0] == "done" and found["3"] == (
        "skipped", "", "the VP called them")
    assert found["A1"] == ("open", "vp@example.com", "")
    with any_db.transaction() as s:  # 'Agree the plan of action': 1d after task 2, done now
        plan = s.scalar(select(Task).where(Task.kind == "task", Task.number == 4))
        assert plan is not None and plan.due_at == T0 + 0.5 * H + 24 * H
    recap = _outbox(any_db, "recap")[-1]
    assert "3. [skipped] Brief the executive team" in recap.text_body
    assert "A1. [open] Executive outreach — vp@example.com" in recap.text_body

    # an unknown task and a second Done are said, not applied
    assert _reply(any_db, "Done: 9\nDone: 1", "vp@example.com", T0 + H) == []
    answer = _outbox(any_db, "confirmation")[-1]
    assert "Done: '9' — ESC-1 has no such task" in answer.text_body
    assert "Done: 1 (De-escalate with the customer) is done already" in answer.text_body

    # Status: done while asks are open: refused, naming them
    assert _reply(any_db, "Status: done", "carla@example.com", T0 + 2 * H) == []
    refused = _outbox(any_db, "confirmation")[-1].text_body
    assert "Status: done — not applied: 2 asks still open: A1 Executive outreach" in refused
    assert "'Status: done anyway'" in refused
    with any_db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None and esc.status == "open"
    assert _reply(any_db, "Done: A1\nStatus: done anyway", "carla@example.com", T0 + 3 * H
                  ) == ["ask A1 met: Executive outreach",
                        "status open → done (with 1 ask open)"]
    [review] = _outbox(any_db, "review_request")
    assert "A1. Executive outreach: met (carla@example.com)" in review.text_body
    assert "A2. Pricing flexibility: still open" in review.text_body
    # done: the open tasks remind nobody
    assert task_sweep(any_db, SETTINGS, T0 + 30 * 24 * H) == 0
