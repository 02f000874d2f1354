"""How each periodic job of this process last went, as data others read (health, alerts).

    record_ok(name, at)               the job ran through
    record_failure(name, at, error)   the job (or part of it) failed; `error` is one line
    snapshot() -> {name: JobStatus}   a consistent copy, safe to read from any thread

The jobs are named JOBS: "mailbox" (the IMAP session), "sweep", "digests", "reviews",
"alerts", "delivery". A job never run is absent from the snapshot. Nothing here decides
whether a failure is worth an alarm: that is the reader's call (escalator.web, admin alerts).
The registry is per process: each instance of `escalator run` speaks for itself.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime

__all__ = ["JOBS", "JobStatus", "record_failure", "record_ok", "reset", "snapshot"]

JOBS = ("mailbox", "sweep", "digests", "reviews", "alerts", "delivery")


@dataclass(frozen=True)
class JobStatus:
    name: str
    last_ok: datetime | None = None
    last_failure: datetime | None = None
    last_error: str | None = None  # one readable line
    failing_since: datetime | None = None  # first failure since the last success
    failures_in_a_row: int = 0

    @property
    def failing(self) -> bool:
        """The last thing heard of this job is a failure."""
        return self.failing_since is not None


_lock = threading.Lock()
_jobs: dict[str, JobStatus] = {}


def record_ok(name: str, at: datetime) -> None:
    with _lock:
        old = _jobs.get(name, JobStatus(name))
        _jobs[name] = replace(old, last_ok=at, failing_since=None, failures_in_a_row=0)


def record_failure(name: str, at: datetime, error: str) -> None:
    line = (error.strip().splitlines() or [""])[0][:500]
    with _lock:
        old = _jobs.get(name, JobStatus(name))
        _jobs[name] = replace(old, last_failure=at, last_error=line,
                              failing_since=old.failing_since or at,
                              failures_in_a_row=old.failures_in_a_row + 1)


def snapshot() -> dict[str, JobStatus]:
    with _lock:
        return dict(_jobs)


def reset() -> None:
    """Forget everything (tests; a process starts empty)."""
    with _lock:
        _jobs.clear()
