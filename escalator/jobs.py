"""The periodic jobs, in the one order `run` and `tick` both use, and the intake handler.

    tick(now):  sweep (SLA breaches) -> digests (daily, per person) -> deliver (the outbox)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from escalator.db import Database
from escalator.service.delivery import DeliveryStats, deliver
from escalator.service.digest import digest_sweep
from escalator.service.intake import handle_messages
from escalator.service.review import review_sweep
from escalator.service.sweep import sweep
from escalator.settings import Settings
from mailer.outcome import Batch, Handler, Outcome
from mailer.smtp import MailSender, SmtpSender

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class TickStats:
    notices: int
    delivery: DeliveryStats
    digests: int = 0


def smtp_factory(settings: Settings) -> Callable[[], MailSender]:
    return lambda: SmtpSender(settings.smtp)


def tick(db: Database, settings: Settings, now: datetime,
         sender_factory: Callable[[], MailSender]) -> TickStats:
    notices = sweep(db, settings, now)
    digests = digest_sweep(db, settings, now)
    review_sweep(db, settings, now)  # post-escalation review reminders
    return TickStats(notices, deliver(db, settings, sender_factory), digests)


def intake_handler(db: Database, settings: Settings,
                   clock: Callable[[], datetime] = utcnow) -> Handler:
    """The function the mail edges call per message (SMTP intake): a batch of one."""
    batch = intake_batch_handler(db, settings, clock)

    def handle(raw: bytes, size: int) -> Outcome:
        [outcome] = batch.handle_all([(raw, size)])
        return outcome if outcome is not None else Outcome.RETRY

    return handle


def intake_batch_handler(db: Database, settings: Settings,
                         clock: Callable[[], datetime] = utcnow) -> Batch:
    """The same, for a fetched batch at once: one commit for all of it."""

    def handle_all(messages: Sequence[tuple[bytes, int]]) -> list[Outcome]:
        try:
            return handle_messages(db, settings, messages, clock())
        except SQLAlchemyError as e:  # the database is away: leave them for later
            log.error("database error, %d messages left for the next poll: %s",
                      len(messages), e)
            return [Outcome.RETRY] * len(messages)

    return Batch(handle_all)
