"""Is this Escalator fit to serve? The checks behind /readyz and the dashboard's banner.

    database   the database answers a SELECT 1
    outbox     no email waits unsent for longer than [health] smtp_failing_after
    mailbox    ([imap] host set, in `escalator run`) read within 3 × [imap] poll_seconds
    scheduler  (in `escalator run`) the scheduler runs and the sweep ran lately
    jobs       (in `escalator run`) no periodic job's last run failed

Database and outbox speak for every instance (they read the database); mailbox, scheduler
and jobs for this process (escalator.status). A process that has just started is given
the same grace it would need for a first run before mailbox or scheduler turn red.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from escalator.settings import Settings
from escalator.status import JobStatus
from models import OutboxMessage

__all__ = ["Check", "Probe", "WAITING", "oldest_waiting", "readiness"]

WAITING = ("pending", "sending")  # outbox statuses of mail not yet sent (nor given up)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # one line a person reads


@dataclass(frozen=True)
class Probe:
    """What `escalator run` tells the checks about its own process."""

    started_at: datetime
    scheduler_running: Callable[[], bool]
    sweep_seconds: float  # the interval of the sweep: it must have run within 3 of them


def readiness(session: Session, settings: Settings, now: datetime, jobs: Mapping[str, JobStatus],
              probe: Probe | None = None) -> list[Check]:
    """Every check, in a fixed order; `jobs` is escalator.status.snapshot()."""
    checks = _database_checks(session, settings, now)
    if probe is None:
        return checks
    if settings.imap.host:
        checks.append(_mailbox(settings, now, jobs.get("mailbox"), probe))
    checks.append(_scheduler(now, jobs.get("sweep"), probe))
    failing = [j for name, j in sorted(jobs.items()) if name != "mailbox" and j.failing]
    checks.append(Check("jobs", not failing, "; ".join(
        f"{j.name} failing since {_hm(j.failing_since)}: {j.last_error}" for j in failing)
        or "every job's last run went through"))
    return checks


def oldest_waiting(session: Session) -> datetime | None:
    """When the oldest unsent email was written (None: none waits). Webhook and chat rows
    are left out: a receiver that is down is its own alert, not a mail server's backlog."""
    return session.scalar(select(func.min(OutboxMessage.created_at))
                          .where(OutboxMessage.status.in_(WAITING),
                                 OutboxMessage.channel == "email"))


def _database_checks(session: Session, settings: Settings, now: datetime) -> list[Check]:
    try:
        session.execute(text("SELECT 1"))
        oldest = oldest_waiting(session)
    except SQLAlchemyError as e:
        session.rollback()
        first = (str(getattr(e, "orig", None) or e).strip().splitlines() or [""])[0]
        return [Check("database", False, f"unreachable: {first[:300]}")]
    checks = [Check("database", True, "reachable")]
    limit = settings.health.smtp_failing_after
    if oldest is None:
        return [*checks, Check("outbox", True, "nothing waits to be sent")]
    age = max(now - oldest, timedelta(0))
    ok = age <= limit
    return [*checks, Check("outbox", ok, f"oldest unsent email written {_span(age)} ago" + (
        "" if ok else f" (more than {_span(limit)}: is SMTP refusing mail?)"))]


def _mailbox(settings: Settings, now: datetime, job: JobStatus | None, probe: Probe) -> Check:
    limit = timedelta(seconds=3 * settings.imap.poll_seconds)
    last = job.last_ok if job is not None else None
    error = f": {job.last_error}" if job is not None and job.failing else ""
    if last is None:
        if now - probe.started_at <= limit:
            return Check("mailbox", True, "starting: not read yet")
        return Check("mailbox", False, f"not read since the start at {_hm(probe.started_at)}"
                                       f"{error}")
    age = max(now - last, timedelta(0))
    if age <= limit:
        return Check("mailbox", True, f"read {_span(age)} ago")
    return Check("mailbox", False, f"last read {_span(age)} ago, at {_hm(last)} (more than "
                                   f"3 × poll_seconds){error}")


def _scheduler(now: datetime, sweep: JobStatus | None, probe: Probe) -> Check:
    if not probe.scheduler_running():
        return Check("scheduler", False, "stopped: no sweep, digest or delivery runs")
    limit = timedelta(seconds=3 * probe.sweep_seconds)
    runs = [t for t in (sweep.last_ok, sweep.last_failure) if t is not None] if sweep else []
    last = max(runs) if runs else None
    if last is None:
        ok = now - probe.started_at <= limit
        return Check("scheduler", ok, "starting: no sweep yet" if ok else "running, but no "
                     f"sweep since the start at {_hm(probe.started_at)}")
    age = max(now - last, timedelta(0))
    return Check("scheduler", age <= limit, f"last sweep {_span(age)} ago" + (
        "" if age <= limit else " (it should run every "
                                f"{_span(timedelta(seconds=probe.sweep_seconds))})"))


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} days"


def _hm(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at is not None else "—"
