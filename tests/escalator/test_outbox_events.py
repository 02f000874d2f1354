"""The events an email shows are read without autoflush: what this transaction added counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalator.db import Database, init_db
from escalator.service import events
from escalator.service.intake import handle_message
from escalator.service.outbox import enqueue, prefetch_events
from escalator.settings import Settings, SmtpSettings
from models import Escalation, OutboxMessage
from tests.support.database import fresh_postgres
from tests.support.samples import raw_email

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SETTINGS = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                    ladder={r: (f"{r}@example.com",)
                            for r in ("manager", "director", "vp", "executive")})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with ExitStack() as stack:
        url = (f"sqlite:///{tmp_path / 'esc.db'}" if request.param == "sqlite"
               else stack.enter_context(fresh_postgres()))
        yield from _database(url)


def _database(url: str) -> Iterator[Database]:
    init_db(url)
    database = Database(url)
    handle_message(database, SETTINGS, raw_email(1, body="Issue: number 1\nSeverity: 3\n"), T0)
    yield database
    database.dispose()


def recap(session: Session, esc: Escalation, to: str) -> OutboxMessage:
    row = enqueue(session, SETTINGS, kind="recap", now=T0, to=[to], esc=esc,
                  context={"changes": [], "actor": "escalator", "problems": []})
    assert row is not None
    return row


def test_events_added_in_the_transaction_are_shown_flushed_or_not(db: Database) -> None:
    with db.transaction() as session:
        esc = session.scalars(select(Escalation)).one()
        at = T0 + timedelta(minutes=1)
        events.add(session, esc, at, "note", "a@example.com", "first pending note")
        first = recap(session, esc, "a@example.com").text_body
        session.flush()
        events.add(session, esc, at, "note", "a@example.com", "second pending note")
        second = recap(session, esc, "a@example.com").text_body
    assert "first pending note" in first
    assert second.index("first pending note") < second.index("second pending note")
    assert second.count("first pending note") == 1  # flushed after the read: not twice


def test_at_most_the_last_events_newest_last(db: Database) -> None:
    with db.transaction() as session:
        esc = session.scalars(select(Escalation)).one()
        for i in range(8):
            events.add(session, esc, T0 + timedelta(minutes=i), "note", "a@example.com",
                       f"note number {i}")
        text = recap(session, esc, "a@example.com").text_body
    assert "note number 2" not in text
    assert [text.index(f"note number {i}") for i in range(3, 8)] == sorted(
        text.index(f"note number {i}") for i in range(3, 8))


def test_a_failure_added_in_the_transaction_reaches_the_owner_once(db: Database) -> None:
    with db.transaction() as session:
        esc = session.scalars(select(Escalation)).one()
        events.add(session, esc, T0, "delivery", "escalator", "gone@example.com refused: 550")
        owner = recap(session, esc, esc.owner).text_body
        again = recap(session, esc, esc.owner).text_body
    assert "gone@example.com refused: 550" in owner
    assert "gone@example.com refused" not in again  # reported, not repeated


def test_the_sweep_prefetch_reads_what_each_email_would(db: Database) -> None:
    handle_message(db, SETTINGS, raw_email(2, body="Issue: number 2\nSeverity: 3\n"), T0)
    with db.transaction() as session:
        escs = list(session.scalars(select(Escalation).order_by(Escalation.id)))
        for n, esc in enumerate(escs):
            for i in range(7):
                events.add(session, esc, T0, "note", "a@example.com", f"esc {n} note {i}")
            events.add(session, esc, T0, "bounce", "escalator", f"esc {n} bounced")
    texts = {}
    for prefetch in (False, True):
        with db.transaction() as session:
            escs = list(session.scalars(select(Escalation).order_by(Escalation.id)))
            if prefetch:
                prefetch_events(session, escs)
            texts[prefetch] = [recap(session, esc, esc.owner).text_body for esc in escs]
            session.rollback()  # the failures stay unreported for the second round
    assert texts[True] == texts[False]
    assert "esc 1 note 6" in texts[True][1] and "esc 1 note 1" not in texts[True][1]
    assert "esc 0 bounced" in texts[True][0] and "esc 1" not in texts[True][0]
