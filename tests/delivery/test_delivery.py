"""The outbox against a real aiosmtpd: exactly once, backoff, refusals recorded, nothing lost.

The clock given to deliver() is the only clock: an hour of SMTP downtime takes no time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from escalator.config import from_dict
from escalator.db import Database
from escalator.service.delivery import MAX_BACKOFF, deliver
from escalator.service.intake import handle_message
from mailer.message import OutgoingMessage
from mailer.smtp import SendResult, SmtpSender
from models import Event
from tests.delivery.helpers import T0, Clock, factory, ids, open_escalation, rows, settings_for
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port

pytestmark = pytest.mark.integration

def test_a_batch_goes_over_one_connection_and_is_marked_sent(
        db: Database, smtp_server: SmtpServer) -> None:
    settings = settings_for(smtp_server.port, db)
    for n in (1, 2, 3):
        open_escalation(db, settings, n)
    stats = deliver(db, settings, factory(settings), clock=Clock())
    assert stats.sent == len(rows(db)) == 6  # an ack and a first-rung notice each
    assert {r.status for r in rows(db)} == {"sent"}
    assert len({m.peer for m in smtp_server.messages}) == 1
    assert set(ids(smtp_server).values()) == {1}
    assert deliver(db, settings, factory(settings), clock=Clock()).sent == 0


def test_smtp_down_for_an_hour_loses_nothing_and_backs_off(db: Database) -> None:
    port = free_port()
    settings = settings_for(port, db)
    open_escalation(db, settings)
    clock = Clock()
    tries = 0
    for _minute in range(60):  # a sender waking every minute for an hour of downtime
        stats = deliver(db, settings, factory(settings), clock=clock)
        assert stats.sent == 0
        tries += stats.deferred
        clock.advance(minutes=1)
    assert {r.status for r in rows(db)} == {"pending"}
    attempts = [r.attempts for r in rows(db)]
    assert max(attempts) <= 9, attempts  # 30 s, 1, 2, 4, 8, 15, 15, 15 min: not 60 tries
    assert all("Connection refused" in (r.last_error or "") or "refused" in (r.last_error or "")
               for r in rows(db))
    with SmtpServer(port=port) as server:
        clock.advance(seconds=MAX_BACKOFF.total_seconds())
        stats = deliver(db, settings, factory(settings), clock=clock)
        assert stats.sent == 2
        assert {r.status for r in rows(db)} == {"sent"}
        assert set(ids(server).values()) == {1}


def test_backoff_doubles_on_4xx(db: Database, smtp_server: SmtpServer) -> None:
    settings = settings_for(smtp_server.port, db)
    open_escalation(db, settings)
    smtp_server.data_reply = "451 4.3.0 try again later"
    clock = Clock()
    waits = []
    for _ in range(4):
        deliver(db, settings, factory(settings), clock=clock)
        row = rows(db)[0]
        waits.append(row.next_attempt_at - clock.now)
        clock.now = row.next_attempt_at
    assert waits == [timedelta(seconds=30 * 2 ** k) for k in range(4)]
    smtp_server.data_reply = None
    assert deliver(db, settings, factory(settings), clock=clock).sent == 2


class CrashAfter250(Exception):
    """The process dies between the server's 250 and the mark (BaseException-like)."""


class CrashingSender:
    """Sends for real, then 'dies' before delivery.py can mark the row."""

    def __init__(self, inner: SmtpSender) -> None:
        self.inner = inner

    def send(self, msg: OutgoingMessage, recipients: list[str]) -> SendResult:
        self.inner.send(msg, recipients)
        raise CrashAfter250

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> CrashingSender:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.__exit__(*exc)


def test_a_crash_after_250_resends_the_same_message_id_once(
        db: Database, smtp_server: SmtpServer) -> None:
    settings = settings_for(smtp_server.port, db)
    open_escalation(db, settings)
    clock = Clock()
    with pytest.raises(CrashAfter250):
        deliver(db, settings, lambda: CrashingSender(SmtpSender(settings.smtp)), clock=clock,
                batch=1)
    [first_id] = ids(smtp_server)
    clock.advance(minutes=1)  # the lease holds: no second sender takes it yet
    assert deliver(db, settings, factory(settings), clock=clock).sent == 1  # the other row
    assert ids(smtp_server)[first_id] == 1
    clock.advance(seconds=settings.smtp.lease_seconds)
    assert deliver(db, settings, factory(settings), clock=clock).sent == 1
    for _ in range(3):
        clock.advance(seconds=settings.smtp.lease_seconds)
        assert deliver(db, settings, factory(settings), clock=clock).sent == 0
    assert ids(smtp_server)[first_id] == 2  # the original and one re-send, same Message-ID
    assert {r.status for r in rows(db)} == {"sent"}


def test_a_5xx_recipient_is_recorded_and_the_owner_hears_of_it(
        db: Database, smtp_server: SmtpServer) -> None:
    settings = settings_for(smtp_server.port, db)
    open_escalation(db, settings)
    smtp_server.refuse_rcpt["csm1@example.com"] = "550 5.1.1 no such user"
    deliver(db, settings, factory(settings), clock=Clock())
    ack = next(r for r in rows(db) if r.kind == "ack")
    assert ack.status == "failed"  # its only recipient refused it for good
    assert ack.refused == {"csm1@example.com": "SMTP 127.0.0.1:%d: 550 every recipient refused"
                           % smtp_server.port}
    with db.transaction() as session:
        failures = select(Event.detail).where(Event.kind == "delivery")
        details = list(session.scalars(failures))
    reason = ack.refused["csm1@example.com"]
    assert details == [f"ack email to csm1@example.com not delivered: {reason}"]

    # the next change: the owner's recap lists the failure, the others' copy does not
    reply = raw_email(1, body="Note: called the customer\n").replace(
        b"Subject: Escalation: Account 1", b"Subject: Re: [ESC-1] Account 1").replace(
        b"<1@test.example>", b"<reply-1@test.example>")
    handle_message(db, settings, reply.replace(b"csm1@", b"dan.director@"), T0)
    recaps = [r for r in rows(db) if r.kind == "recap"]
    owner = [r for r in recaps if r.to_addrs == ["maya.manager@example.com"]]  # the owner
    others = [r for r in recaps if r not in owner]
    assert owner and "not delivered" in owner[0].text_body
    assert others and all("not delivered" not in r.text_body for r in others)


def test_a_4xx_recipient_among_accepted_ones_gets_a_copy_of_its_own(
        db: Database, smtp_server: SmtpServer) -> None:
    settings = settings_for(smtp_server.port, db)
    with db.transaction() as session:
        from escalator.service.outbox import enqueue

        enqueue(session, settings, kind="rejection", now=T0,
                to=["a@example.com", "b@example.com", "c@example.com"],
                context={"envelope": type("E", (), {"subject": "x"})(), "problems": ["p"]})
    smtp_server.refuse_rcpt["b@example.com"] = "452 4.2.2 mailbox full"
    smtp_server.refuse_rcpt["c@example.com"] = "550 5.1.1 no such user"
    clock = Clock()
    deliver(db, settings, factory(settings), clock=clock)
    first, copy = rows(db)
    assert first.status == "sent"  # a took it: partial success stays sent
    assert first.refused == {"b@example.com": "452 4.2.2 mailbox full",
                             "c@example.com": "550 5.1.1 no such user"}
    assert copy.status == "pending" and copy.to_addrs == ["b@example.com"]  # c: for good
    del smtp_server.refuse_rcpt["b@example.com"]
    clock.advance(minutes=1)
    assert deliver(db, settings, factory(settings), clock=clock).sent == 1
    assert [m.rcpt_tos for m in smtp_server.messages] == [("a@example.com",), ("b@example.com",)]


def test_from_address_with_a_display_name(db: Database, smtp_server: SmtpServer) -> None:
    """[smtp] from_address = "Escalations <…>": the name in From, the address everywhere else."""
    parsed = from_dict({"organization": {"internal_domains": ["example.com"]},
                        "ladder": {k: list(v) for k, v in settings_for(1, db).ladder.items()},
                        "smtp": {"from_address": "Escalations Desk <Escalations@Example.com>"}})
    settings = settings_for(smtp_server.port, db)
    settings = replace(settings, smtp=replace(settings.smtp, from_address=parsed.smtp.from_address,
                                              from_name=parsed.smtp.from_name))
    open_escalation(db, settings)
    deliver(db, settings, factory(settings), clock=Clock())
    received = smtp_server.messages
    assert received and {m.mail_from for m in received} == {"escalations@example.com"}
    for m in received:
        msg = m.message()
        assert str(msg["From"]) == "Escalations Desk <escalations@example.com>"
        assert str(msg["Message-ID"]).endswith("@example.com>")
        assert "escalations@example.com" not in m.rcpt_tos  # never mails itself
