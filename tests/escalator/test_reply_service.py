"""Replies applied by the service, on SQLite and PostgreSQL: the email answered is read
from the outbox and no line of it is applied however it is quoted; a reply to a digest
must name its escalation; `Account:` re-links the account; a typo'd command is answered."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from escalator.db import Database, init_db
from escalator.service.digest import digest_context
from escalator.service.intake import handle_message
from escalator.service.outbox import enqueue
from escalator.settings import Settings, SmtpSettings
from models import Escalation, EscalationAccount, Event, OutboxMessage
from tests.support.database import fresh_postgres

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
SETTINGS = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                    ladder={"manager": ("mgr@example.com",), "director": ("dir@example.com",),
                            "vp": ("vp@example.com",), "executive": ("ceo@example.com",)})
ITALIAN_OUTLOOK = ("Da: Escalator <escalations@example.com>\nInviato: lunedì 1 dicembre 2026 "
                   "10:02\nA: Carla <csm@example.com>\nOggetto: R: [ESC-1] Recap\n\n")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with ExitStack() as stack:
        url = (f"sqlite:///{tmp_path / 'esc.db'}" if request.param == "sqlite"
               else stack.enter_context(fresh_postgres()))
        init_db(url)
        database = Database(url)
        for n, account in ((1, "Umbrella"), (2, "Initech")):
            handle_message(database, SETTINGS, _email(
                "Issue: data loss\nSeverity: 3\n", f"Escalation: {account} – Data loss", n=n), T0)
        yield database
        database.dispose()


def _email(body: str, subject: str, sender: str = "csm@example.com", n: int = 1,
           in_reply_to: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "escalations@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<m{n}@mail.example.com>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
    msg.set_content(body)
    return bytes(msg)


def _rows(db: Database, kind: str) -> list[OutboxMessage]:
    with db.transaction() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id)))


def _esc(db: Database, n: int = 1) -> Escalation:
    with db.transaction() as s:
        esc = s.get(Escalation, n)
        assert esc is not None
        return esc


def _kinds(db: Database, n: int = 1) -> list[str]:
    with db.transaction() as s:
        return list(s.scalars(select(Event.kind).where(Event.escalation_id == n)
                              .order_by(Event.id)))


def test_reply_to_our_recap_quoted_without_marks_applies_only_the_top(db: Database) -> None:
    handle_message(db, SETTINGS, _email("Status: working", "Re: [ESC-1] x", "dir@example.com",
                                        n=10), T0 + H)
    recap = _rows(db, "recap")[-1]
    before = _esc(db)
    # the recap as Outlook (Italian) quotes it: no ">" marks, the lines re-wrapped
    quoted = "\n".join(line.strip() for line in recap.text_body.split("\n"))
    handle_message(db, SETTINGS, _email("Status: waiting\n\n" + ITALIAN_OUTLOOK + quoted,
                                        "R: [ESC-1] Recap", n=11,
                                        in_reply_to=recap.message_id), T0 + 2 * H)
    after = _esc(db)
    assert after.status == "waiting"
    assert (after.severity, after.owner, after.steps, after.account, after.links) == (
        before.severity, before.owner, before.steps, before.account, before.links)
    assert _kinds(db)[-1] == "status" and "note" not in _kinds(db)


def test_a_quote_under_no_known_header_is_cut_by_our_words(db: Database) -> None:
    ack = _rows(db, "ack")[0]
    body = "On it.\nSeverity: 2\n\n" + ack.text_body.replace("\n\n", "\n")
    handle_message(db, SETTINGS, _email(body, "RE: [ESC-1]", n=12, in_reply_to=ack.message_id),
                   T0 + H)
    assert _esc(db).severity == 2
    with db.transaction() as s:
        notes = list(s.scalars(select(Event.detail).where(Event.kind == "note")))
    assert notes == ["note: On it."]


def _digest(db: Database) -> OutboxMessage:
    with db.transaction() as s:
        rows = list(s.scalars(select(Escalation).order_by(Escalation.id)))
        row = enqueue(s, SETTINGS, kind="digest", now=T0 + H, to=["csm@example.com"],
                      context=digest_context("csm@example.com", "2026-12-01", rows, SETTINGS,
                                             T0 + H))
        assert row is not None
        s.flush()
        s.expunge(row)
        return row


def test_a_reply_to_a_digest_must_name_its_escalation(db: Database) -> None:
    digest = _digest(db)
    assert "[ESC-1]" in digest.subject
    handle_message(db, SETTINGS, _email("ack", "Re: " + digest.subject, n=20,
                                        in_reply_to=digest.message_id), T0 + 2 * H)
    assert _esc(db, 1).acknowledged_at is None and _esc(db, 2).acknowledged_at is None
    [answer] = _rows(db, "confirmation")
    assert answer.to_addrs == ["csm@example.com"] and "ESC-12: ack" in answer.text_body

    handle_message(db, SETTINGS, _email("ESC-2: ack\nESC-1 Status: working\n\n"
                                        + digest.text_body, "Re: " + digest.subject, n=21,
                                        in_reply_to=digest.message_id), T0 + 3 * H)
    assert _esc(db, 2).acknowledged_at is not None and _esc(db, 2).status == "open"
    assert _esc(db, 1).status == "working"


def test_account_command_relinks_the_account(db: Database) -> None:
    handle_message(db, SETTINGS, _email("Account: Globex", "Re: [ESC-1] x", n=30), T0 + H)
    esc = _esc(db)
    assert esc.account == "Globex"
    with db.transaction() as s:
        [link] = list(s.scalars(select(EscalationAccount)
                                .where(EscalationAccount.escalation_id == 1)))
        details = list(s.scalars(select(Event.detail).where(Event.kind == "account")))
    assert details == ["account Umbrella → Globex"]
    recap = _rows(db, "recap")[-1]
    assert "account Umbrella → Globex" in recap.text_body
    assert "Account: the customer's name" in recap.text_body  # the help says how


def test_a_typod_command_changes_nothing_and_is_answered(db: Database) -> None:
    handle_message(db, SETTINGS, _email("Stauts: waiting", "Re: [ESC-1] x", n=40), T0 + H)
    assert _esc(db).status == "open"
    [answer] = _rows(db, "confirmation")
    assert "did you mean Status:?" in answer.text_body
    assert "note" not in _kinds(db)


def test_a_digest_reply_without_its_headers_is_known_by_its_subject(db: Database) -> None:
    digest = _digest(db)
    handle_message(db, SETTINGS, _email("Status: done", "Re: " + digest.subject, n=22), T0 + H)
    assert _esc(db, 1).status == "open" and _esc(db, 2).status == "open"
    [answer] = _rows(db, "confirmation")
    assert "ESC-12 Status: working" in answer.text_body
