"""Shared by the delivery tests: a fixed start time, a hand-driven clock, quick escalations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.settings import DatabaseSettings, Settings
from mailer.smtp import MailSender, SmtpSender
from models import OutboxMessage
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LADDER: dict[str, tuple[str, ...]] = {
    "manager": ("maya.manager@example.com",), "director": ("dan.director@example.com",),
    "vp": ("vera.vp@example.com",), "executive": ("erin.ceo@example.com",)}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def settings_for(server_port: int, db: Database) -> Settings:
    smtp = SmtpServer.__new__(SmtpServer)  # only for its settings() shape
    smtp.port, smtp.cert, smtp.login = server_port, None, None
    return Settings(database=DatabaseSettings(db.url), smtp=smtp.settings(), ladder=LADDER)


def factory(settings: Settings) -> Callable[[], MailSender]:
    return lambda: SmtpSender(settings.smtp)


def open_escalation(db: Database, settings: Settings, n: int = 1, when: datetime = T0) -> None:
    handle_message(db, settings, raw_email(n, body=f"Issue: number {n}\nSeverity: 3\n"), when)


def rows(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def ids(server: SmtpServer) -> Counter[str]:
    return Counter(str(m.message()["Message-ID"]) for m in server.messages)


