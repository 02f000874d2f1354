"""The periodic jobs, in the one order `run` and `tick` both use, and the intake handler.

    tick(now):  sweep (SLA breaches) -> tasks (overdue playbook tasks) -> digests (daily,
                per person) -> weekly (the leadership report) -> reviews (reminders)
                -> alerts (to [organization] admins) -> delivery (the outbox)

Each job runs on its own, as GoAlert's engine runs its modules: one that raises is logged,
named in TickStats.failed_jobs (with its one-line error in `errors`) and recorded in
escalator.status; the jobs after it still run, and delivery always runs. Inside the jobs,
each escalation is isolated too: the ids that failed and were put off (each with a "fault"
event on its trail) are in TickStats.failed_escalations, the people whose digest failed in
failed_digests. `tick` itself raises nothing a job raised. `deliver=False` leaves the
outbox to a worker of its own (`escalator run`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from escalator import status
from escalator.db import Database
from escalator.faultlog import lasting
from escalator.metrics import SWEEP_DURATION
from escalator.service import faults
from escalator.service.alerts import alert_sweep
from escalator.service.delivery import DeliveryStats, deliver
from escalator.service.digest import digest_sweep
from escalator.service.intake import handle_messages
from escalator.service.review import review_sweep
from escalator.service.sweep import sweep
from escalator.service.task_sweep import task_sweep
from escalator.service.weekly import weekly_sweep
from escalator.settings import Settings
from mailer.outcome import Batch, Handler, Outcome
from mailer.smtp import MailSender, SmtpSender

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


# as escalator.status names them
JOB_NAMES = ("sweep", "tasks", "digests", "weekly", "reviews", "delivery")


@dataclass
class TickStats:
    notices: int = 0
    delivery: DeliveryStats = field(default_factory=DeliveryStats)
    digests: int = 0
    reminders: int = 0
    task_notices: int = 0  # overdue task reminders and climbs
    failed_jobs: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # job -> one line
    failed_escalations: list[int] = field(default_factory=list)
    failed_digests: list[str] = field(default_factory=list)
    alerts: int = 0  # admin alerts written
    weekly: int = 0  # weekly reports queued (0 or 1)


def smtp_factory(settings: Settings) -> Callable[[], MailSender]:
    from escalator.oauth import smtp_tokens

    tokens = smtp_tokens(settings)
    return lambda: SmtpSender(settings.smtp, tokens=tokens)


def tick(db: Database, settings: Settings, now: datetime,
         sender_factory: Callable[[], MailSender], *, deliver_outbox: bool = True,
         mailbox_started: datetime | None = None) -> TickStats:
    """`mailbox_started`: when this process began reading the mailbox (`run`), for the
    admin alert on a silent mailbox; None where none is read (`tick`)."""
    stats = TickStats()
    esc_failed = stats.failed_escalations

    def run_sweep() -> str | None:
        before = len(esc_failed)
        with SWEEP_DURATION.time():
            stats.notices = sweep(db, settings, now, failed=esc_failed)
        return _partial(esc_failed[before:])

    def run_tasks() -> str | None:
        before = len(esc_failed)
        stats.task_notices = task_sweep(db, settings, now, failed=esc_failed)
        return _partial(esc_failed[before:])

    def run_digests() -> str | None:
        stats.digests = digest_sweep(db, settings, now, failed=stats.failed_digests)
        failed = stats.failed_digests
        return f"digest failed for {len(failed)} people" if failed else None

    def run_weekly() -> None:
        stats.weekly = weekly_sweep(db, settings, now)

    def run_reviews() -> str | None:
        before = len(esc_failed)
        stats.reminders = review_sweep(db, settings, now, failed=esc_failed)
        return _partial(esc_failed[before:])

    def run_alerts() -> None:
        from escalator.oauth import revoked

        stats.alerts = alert_sweep(db, settings, now, status.snapshot(), mailbox_started,
                                   revoked())

    def run_delivery() -> None:
        stats.delivery = deliver(db, settings, sender_factory)

    jobs: list[tuple[str, Callable[[], str | None]]] = [
        ("sweep", run_sweep), ("tasks", run_tasks), ("digests", run_digests),
        ("weekly", run_weekly),
        ("reviews", run_reviews), ("alerts", run_alerts)]
    if deliver_outbox:
        jobs.append(("delivery", run_delivery))
    for name, job in jobs:
        run_job(name, job, stats)
    return stats


def _partial(ids: list[int]) -> str | None:
    if not ids:
        return None
    return ("failed for " + ", ".join(f"ESC-{i}" for i in ids[:10])
            + (f" and {len(ids) - 10} more" if len(ids) > 10 else "") + " (see their trail)")


def run_job(name: str, job: Callable[[], str | None], stats: TickStats | None = None) -> bool:
    """Run one job; its failure is logged, recorded in escalator.status and in `stats`,
    and goes no further. A job that ran but failed for some escalations returns a line
    saying so: recorded as a failure of the job (the alarm), not in failed_jobs.
    True when it ran through."""
    try:
        partial = job()
    except Exception as e:
        line = describe(e)
        lasting.failed(log, f"{name} job", f"{name} job failed: {line}")
        log.debug("%s job failed", name, exc_info=e)  # the traceback with -v
        status.record_failure(name, utcnow(), line)
        if stats is not None:
            stats.failed_jobs.append(name)
            stats.errors[name] = line
        return False
    lasting.ok(log, f"{name} job")
    if partial:
        status.record_failure(name, utcnow(), partial)
    else:
        status.record_ok(name, utcnow())
    return True


def describe(e: BaseException) -> str:
    """One line for a job's failure; a database error by its driver's first line."""
    if isinstance(e, SQLAlchemyError):
        first = str(getattr(e, "orig", None) or e).strip().splitlines()
        return f"database: {first[0] if first else type(e).__name__}"
    return faults.describe(e)


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
        try:  # each message's own fault is handled in there: what is left is the machine's
            return handle_messages(db, settings, messages, clock())
        except Exception as e:
            lasting.failed(log, "intake", f"{len(messages)} messages left for the next poll: "
                          f"{describe(e)}")
            return [Outcome.RETRY] * len(messages)

    return Batch(handle_all)
