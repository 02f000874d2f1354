"""Admin alerts on SQLite and PostgreSQL: when each kind is written, how often, to whom, that
two instances write one, and that a reply to an alert is not answered."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from sqlalchemy import select

from escalator.db import Database, init_db
from escalator.oauth import Revoked
from escalator.service.alerts import alert_sweep
from escalator.service.delivery import deliver
from escalator.service.intake import handle_message
from escalator.settings import (
    DatabaseSettings,
    HealthSettings,
    ImapSettings,
    Settings,
)
from escalator.status import JobStatus
from mailer.smtp import SmtpSender
from models import Escalation, Event, Inbound, OutboxMessage
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ADMINS = ("ops@example.com", "lead@example.com")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    init_db(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(db: Database, smtp_server: SmtpServer) -> Settings:
    return Settings(database=DatabaseSettings(db.url), smtp=smtp_server.settings(),
                    admins=ADMINS,
                    imap=ImapSettings(host="imap.example.com", username="escalations"),
                    health=HealthSettings(mailbox_silent_after=timedelta(minutes=15),
                                          smtp_failing_after=timedelta(minutes=10)))


def alerts(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert")
                                    .order_by(OutboxMessage.id)))


def test_no_admins_no_alert(db: Database, settings: Settings) -> None:
    quiet = replace(settings, admins=())
    assert alert_sweep(db, quiet, T0 + timedelta(hours=1), {}, mailbox_started=T0) == 0
    assert alerts(db) == []


def test_silent_mailbox_alerts_once_an_hour_at_most_and_daily_while_it_lasts(
        db: Database, settings: Settings) -> None:
    read = {"mailbox": JobStatus("mailbox", last_ok=T0 + timedelta(minutes=5))}
    assert alert_sweep(db, settings, T0 + timedelta(minutes=19), read, T0) == 0  # 14 min
    assert alert_sweep(db, settings, T0 + timedelta(minutes=20), read, T0) == 1
    [alert] = alerts(db)
    assert alert.to_addrs == list(ADMINS)
    assert alert.subject == "[Escalator alert] the mailbox has not been read for 15 min"
    assert "escalations on imap.example.com (folder INBOX) since 2026-11-26 09:05 UTC" in (
        " ".join(alert.text_body.split()))
    assert alert.message_id.startswith("alert-mailbox.")
    for minutes in (21, 50, 80, 60 * 24):  # the same silence: not again within the day
        assert alert_sweep(db, settings, T0 + timedelta(minutes=minutes), read, T0) == 0
    assert alert_sweep(db, settings, T0 + timedelta(minutes=20, days=1), read, T0) == 1
    # read again, then silent again: a new episode, alerted once the hour has passed
    again = {"mailbox": JobStatus("mailbox", last_ok=T0 + timedelta(days=1, minutes=30))}
    at = T0 + timedelta(days=1, minutes=50)
    assert alert_sweep(db, settings, at, again, T0) == 0  # 20 min silent, alerted 30 min ago
    assert alert_sweep(db, settings, at + timedelta(minutes=30), again, T0) == 1  # 1 h
    # `tick` reads no mailbox: it never says the mailbox is silent
    assert alert_sweep(db, settings, T0 + timedelta(days=9), {}, None) == 0


def test_smtp_refusing_mail_alerts_after_the_threshold(
        db: Database, settings: Settings, smtp_server: SmtpServer) -> None:
    handle_message(db, settings, raw_email(1), T0)
    smtp_server.data_reply = "451 4.3.0 mailbox full, try again later"
    stats = deliver(db, settings, lambda: SmtpSender(settings.smtp), clock=lambda: T0)
    assert (stats.deferred, stats.sent) == (1, 0)  # the acknowledgement
    assert alert_sweep(db, settings, T0 + timedelta(minutes=9), {}, None) == 0
    assert alert_sweep(db, settings, T0 + timedelta(minutes=10), {}, None) == 1
    [alert] = alerts(db)
    assert alert.subject == "[Escalator alert] mail has not been sent for 10 min"
    assert "last error:" in alert.text_body and "451" in alert.text_body
    assert alert.status == "pending"  # waits in the outbox with the rest: SMTP is the fault
    smtp_server.data_reply = None
    deliver(db, settings, lambda: SmtpSender(settings.smtp),
            clock=lambda: T0 + timedelta(minutes=30))
    assert {tuple(m.rcpt_tos) for m in smtp_server.messages} >= {ADMINS}
    assert alert_sweep(db, settings, T0 + timedelta(hours=2), {}, None) == 0  # all sent


def test_failed_messages_and_escalations_are_listed_once(db: Database,
                                                         settings: Settings) -> None:
    handle_message(db, settings, raw_email(1), T0)
    with db.transaction() as session:
        esc = session.scalars(select(Escalation)).one()
        session.add(Event(escalation_id=esc.id, at=T0 + timedelta(minutes=1), kind="fault",
                          actor="escalator", detail="sweep failed: UndefinedError: 'x'"))
        for n in (1, 2):
            session.add(Inbound(message_key=f"bad{n}@test.example", sender="csm@example.com",
                                subject=f"Escalation: Bad {n}", received_at=T0,
                                outcome="error", reason="could not be recorded: DataError"))
    assert alert_sweep(db, settings, T0 + timedelta(minutes=2), {}, None) == 2
    messages, escalations = alerts(db)
    assert messages.subject == "[Escalator alert] 2 received messages could not be recorded"
    assert '"Escalation: Bad 2": could not be recorded: DataError' in messages.text_body
    assert escalations.subject.endswith("1 failures on escalations in a periodic job")
    assert "ESC-1 (Account 1): sweep failed: UndefinedError: 'x'" in escalations.text_body
    with db.transaction() as session:
        session.add(Inbound(message_key="bad3@test.example", sender="csm@example.com",
                            subject="Escalation: Bad 3", received_at=T0 + timedelta(minutes=5),
                            outcome="error", reason="could not be recorded: DataError"))
    assert alert_sweep(db, settings, T0 + timedelta(minutes=30), {}, None) == 0  # in the hour
    assert alert_sweep(db, settings, T0 + timedelta(minutes=62), {}, None) == 1
    latest = alerts(db)[-1]
    assert "1 received messages" in latest.subject and "Bad 3" in latest.text_body
    assert "Bad 1" not in latest.text_body  # told before
    assert alert_sweep(db, settings, T0 + timedelta(hours=5), {}, None) == 0


def test_a_revoked_sign_in_is_said_at_once_hourly_at_most_daily_while_it_lasts(
        db: Database, settings: Settings) -> None:
    flow = "microsoft-delegated"
    imap = replace(settings.imap, username="escalations@example.com", oauth2_flow=flow)
    settings = replace(settings, imap=imap)
    reason = (f"{flow} for escalations@example.com: refresh refused: invalid_grant: "
              "AADSTS50173 (sign in again: escalator auth login)")
    gone = [Revoked(flow, "escalations@example.com", T0, reason)]
    assert alert_sweep(db, settings, T0, {}, None, gone) == 1  # at once, no threshold
    [alert] = alerts(db)
    assert alert.subject == ("[Escalator alert] the sign-in of escalations@example.com was "
                             "refused for good")
    assert f"escalations@example.com ({flow}, [imap]) since 2026-11-26 09:00 UTC: refresh " \
           "refused: invalid_grant: AADSTS50173" in alert.text_body
    assert "AADSTS50173" in alert.text_body and "escalator auth login" in alert.text_body
    assert "Mail cannot be sent either" not in alert.text_body  # [smtp] signs in otherwise
    assert alert.message_id.startswith("alert-token.")
    for minutes in (1, 30, 59, 61, 600):  # the same grant, still refused: once a day
        assert alert_sweep(db, settings, T0 + timedelta(minutes=minutes), {}, None, gone) == 0
    assert alert_sweep(db, settings, T0 + timedelta(days=1), {}, None, gone) == 1
    # refused again after a renewal (a new `since`): within the hour of the last, not yet
    again = [replace(gone[0], since=T0 + timedelta(days=1, minutes=10))]
    assert alert_sweep(db, settings, T0 + timedelta(days=1, minutes=20), {}, None, again) == 0
    assert alert_sweep(db, settings, T0 + timedelta(days=1, minutes=60), {}, None, again) == 1
    assert alert_sweep(db, settings, T0 + timedelta(days=3), {}, None, ()) == 0  # renewed
    smtp = replace(settings.smtp, username="escalations@example.com", oauth2_flow=flow)
    both = replace(settings, smtp=smtp)
    assert alert_sweep(db, both, T0 + timedelta(days=3), {}, None, gone) == 1
    assert f"({flow}, [imap] and [smtp]) since" in alerts(db)[-1].text_body
    assert "this alert waits in the outbox" in alerts(db)[-1].text_body


def test_two_instances_at_once_write_one_alert(db: Database, settings: Settings) -> None:
    read = {"mailbox": JobStatus("mailbox", last_ok=T0)}
    counts: list[int] = []
    start = threading.Barrier(4)

    def instance() -> None:
        start.wait()
        counts.append(alert_sweep(db, settings, T0 + timedelta(hours=1), read, T0))

    threads = [threading.Thread(target=instance) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(counts) == [0, 0, 0, 1]
    assert len(alerts(db)) == 1


def test_a_reply_to_an_alert_is_ignored(db: Database, settings: Settings) -> None:
    alert_sweep(db, settings, T0 + timedelta(hours=1),
                {"mailbox": JobStatus("mailbox", last_ok=T0)}, T0)
    [alert] = alerts(db)
    reply = EmailMessage(policy=SMTP)
    reply["From"] = "Ops <ops@example.com>"
    reply["To"] = "escalations@example.com"
    reply["Subject"] = "Re: " + alert.subject
    reply["Message-ID"] = "<reply-1@example.com>"
    reply["In-Reply-To"] = f"<{alert.message_id}>"
    reply["References"] = f"<{alert.message_id}>"
    reply.set_content("Looking into it.\n\n> " + alert.text_body.splitlines()[0] + "\n")
    handle_message(db, settings, reply.as_bytes(), T0 + timedelta(hours=1, minutes=5))
    with db.transaction() as session:
        inbound = session.scalars(select(Inbound)).one()
        assert (inbound.outcome, inbound.reason) == ("ignored", "reply to an admin alert")
        kinds = list(session.scalars(select(OutboxMessage.kind)))
    assert kinds == ["alert"]  # no rejection, no answer of any kind
