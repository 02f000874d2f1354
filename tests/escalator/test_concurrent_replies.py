"""Two replies to one escalation applied at once (two instances, or a reply and the sweep)
lose nothing: each step and each stakeholder is kept, on SQLite and on PostgreSQL.

On PostgreSQL the interleaving is forced, not hoped for: the first reply to read the row
waits until the second has read it too or is blocked on its lock (pg_locks says which), so
without the row lock both would write what they read and one step would be lost.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.service.sweep import sweep
from escalator.settings import Settings, SmtpSettings
from models import Escalation

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SETTINGS = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                    ladder={"manager": ("mgr@example.com",), "director": ("dir@example.com",),
                            "vp": ("vp@example.com",), "executive": ("ceo@example.com",)})
WAIT = 60  # seconds: only a broken test waits this long


@pytest.fixture
def db(any_db: Database) -> Database:
    return any_db


def email(sender: str, subject: str, body: str, n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "escalations@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<m{n}@mail.example.com>"
    msg.set_content(body)
    return bytes(msg)


def open_one(db: Database) -> None:
    handle_message(db, SETTINGS, email("csm@example.com", "Escalation: Umbrella – Data loss",
                                       "Issue: data loss\nSeverity: 2\n", 1), T0)


def reply(db: Database, who: str, n: int, at: datetime = T0 + timedelta(minutes=5)) -> None:
    handle_message(db, SETTINGS, email(f"{who}@example.com", "Re: [ESC-1] recap",
                                       f"Steps: {who} calls the customer\n", n), at)


def escalation(db: Database) -> Escalation:
    with db.transaction() as session:
        esc = session.get(Escalation, 1)
        assert esc is not None
        return esc


class Interleave:
    """The first thread to read escalation rows waits for the second to read them too (or
    skip them, as the sweep does a locked row) or to be blocked on the row's lock: the lost
    update, were the lock missing, is then certain."""

    def __init__(self, db: Database) -> None:
        self.read = threading.Semaphore(0)
        self.first = threading.Lock()
        self.local = threading.local()
        self.admin = db.url.replace("postgresql+psycopg://", "postgresql://")
        event.listen(db.engine, "after_cursor_execute", self._after)

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if getattr(self.local, "done", False) or not statement.startswith("SELECT") \
                or "\nFROM escalation \n" not in statement:
            return
        self.local.done = True
        if not self.first.acquire(blocking=False):
            self.read.release()  # the second reader got its row: no lock held it back
            return
        with psycopg.connect(self.admin, autocommit=True) as admin:
            for _ in range(WAIT * 100):
                if self.read.acquire(timeout=0.01):
                    return
                blocked = admin.execute(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                    " WHERE NOT l.granted AND a.datname = current_database()").fetchone()
                if blocked and blocked[0] > 0:  # the other one waits on our row lock
                    return
        raise AssertionError("the second reply never read the row")


def run_together(*jobs: Any) -> None:
    errors: list[BaseException] = []

    def run(job: Any) -> None:
        try:
            job()
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert not errors, errors


def test_two_replies_at_once_keep_both_steps_and_stakeholders(db: Database) -> None:
    open_one(db)
    if db.url.startswith("postgresql"):
        Interleave(db)
    run_together(lambda: reply(db, "alice", 2), lambda: reply(db, "bob", 3))
    esc = escalation(db)
    assert sorted(esc.steps) == ["alice calls the customer", "bob calls the customer"]
    assert {"alice@example.com", "bob@example.com"} <= set(esc.stakeholders)


def test_a_reply_racing_the_sweep_keeps_the_step_and_the_breach(db: Database) -> None:
    open_one(db)
    late = T0 + timedelta(hours=5)  # severity 2: response due at 4h, the vp is next
    if db.url.startswith("postgresql"):
        Interleave(db)
    run_together(lambda: reply(db, "alice", 2, at=late), lambda: sweep(db, SETTINGS, late))
    sweep(db, SETTINGS, late)  # a row the reply held was skipped: the next tick takes it
    esc = escalation(db)
    assert esc.steps == ["alice calls the customer"]
    assert esc.rung == "vp" and esc.response_breaches == 1
    assert {"alice@example.com", "vp@example.com"} <= set(esc.stakeholders)
