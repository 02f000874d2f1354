"""`escalator run`: the IMAP poller in a thread (and/or SMTP intake), the SLA jobs on
APScheduler, and delivery on a worker thread of its own.

The jobs (escalator.jobs.tick without delivery) run every SWEEP_SECONDS and, besides, wake
at the nearest deadline or warning in the database (looked up again after every sweep and
every intake), so a breach notice goes out within a second or two of its deadline.

Intake never waits on delivery: the delivery worker is woken after each intake and each
sweep (and every SWEEP_SECONDS on its own), and a relay that hangs holds only that worker,
for at most [smtp] timeout_seconds per command and delivery.TIME_LIMIT per batch.

The mailbox: a refusal before the first good session (a wrong password) stops `run` with
that one line and exit code 1; after one, every failure is retried with backoff. Each
poll records "mailbox" in escalator.status, each failure too (what /readyz and the admin
alerts read); run_job records "sweep", "digests", "reviews" and "delivery".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from sqlalchemy import func, select

from escalator import status
from escalator.db import Database
from escalator.faultlog import lasting
from escalator.jobs import (
    describe,
    intake_batch_handler,
    intake_handler,
    run_job,
    smtp_factory,
    tick,
    utcnow,
)
from escalator.service.delivery import deliver
from escalator.settings import Settings
from mailer.errors import MailboxError
from mailer.outcome import Batch, Outcome
from mailer.smtp import MailSender
from models import Escalation

if TYPE_CHECKING:
    from mailer.poll import PollStats
    from mailer.smtp_intake import SmtpIntake
    from mailer.tokens import TokenSource

log = logging.getLogger(__name__)
SWEEP_SECONDS = 30
STOP_SECONDS = 5.0  # how long the end of `run` waits for a send in flight


def run(db: Database, settings: Settings, stop: threading.Event) -> None:
    from escalator.config import warnings
    from escalator.health import Probe
    from escalator.web import start_dashboard

    found = warnings(settings)
    for line in found:
        log.warning("%s", line)
    scheduler = BackgroundScheduler(timezone=UTC)
    probe = Probe(utcnow(), lambda: bool(scheduler.running), SWEEP_SECONDS)
    reading = probe.started_at if settings.imap.host else None  # the mailbox, for alerts
    # first: a bad [web] stops us before anything runs
    dashboard = start_dashboard(db, settings, probe=probe, warnings=found)
    senders = smtp_factory(settings)
    delivery = DeliveryWorker(db, settings, senders, stop)
    lock = threading.Lock()
    fatal: list[BaseException] = []  # what stops `run`: raised once everything is down

    def sweep_job() -> None:
        with lock:
            try:
                stats = tick(db, settings, utcnow(), senders, deliver_outbox=False,
                             mailbox_started=reading)
                if stats.notices:
                    log.info("sweep: %d notices", stats.notices)
            except Exception:  # tick isolates its jobs: this is a bug of tick itself
                log.exception("sweep failed; next attempt at the next wake-up")
        delivery.wake()
        rearm()

    def rearm() -> None:
        """Wake the sweep at the nearest deadline; after every sweep and every intake."""
        try:
            _wake_at_next_deadline(db, scheduler, sweep_job)
        except Exception as e:  # the interval sweep still runs; the database away, say
            lasting.failed(log, "deadline wake-up",
                          f"could not schedule the next deadline: {describe(e)}",
                          logging.WARNING)
            log.debug("could not schedule the next deadline", exc_info=e)
            return
        lasting.ok(log, "deadline wake-up")

    def after_intake() -> None:
        delivery.wake()  # never deliver here: intake must not wait on SMTP
        rearm()

    def after_poll(_stats: object) -> None:
        status.record_ok("mailbox", utcnow())  # read: the mailbox check of /readyz
        after_intake()

    scheduler.add_job(sweep_job, "interval", seconds=SWEEP_SECONDS, id="sweep",
                      max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
    if settings.accounts.sync_url:
        _schedule_sync(db, settings, scheduler)
    scheduler.start()
    delivery.start()
    poller: threading.Thread | None = None
    from escalator.oauth import on_revoked

    # a grant refused for good: the admin alert goes out now, not at the next sweep
    on_revoked(lambda: scheduler.add_job(sweep_job, id="revoked", replace_existing=True))
    if settings.imap.host:
        from escalator.oauth import imap_tokens, log_failures

        log_failures()
        handle = intake_batch_handler(db, settings)
        poller = threading.Thread(
            target=_poll_mailbox, name="imap",
            args=(settings, handle, stop, after_poll, fatal, imap_tokens(settings)), daemon=True)
        poller.start()
    elif not settings.smtp_intake.host:
        log.warning("[imap] host and [smtp_intake] host are not set: no intake")
    intake = _smtp_intake(db, settings, after_intake)
    try:
        stop.wait()
    finally:
        if intake is not None:
            intake.stop()  # first: no message is taken that cannot be committed
        dashboard.shutdown()
        scheduler.shutdown(wait=True)
        if poller is not None:
            poller.join(timeout=30)
        delivery.stop()
        db.dispose()
    if fatal:
        raise fatal[0]


def _poll_mailbox(settings: Settings, handle: Batch, stop: threading.Event,
                  after_poll: Callable[[PollStats], None], fatal: list[BaseException],
                  tokens: TokenSource | None) -> None:
    """The IMAP thread: serve until stopped. A refusal before the first good session ends
    `run` (in `fatal`); anything else is recorded and served again after a backoff."""
    from mailer.poll import backoff, serve

    connected = threading.Event()

    def polled(stats: PollStats) -> None:
        connected.set()
        after_poll(stats)

    def failed(error: str) -> None:
        status.record_failure("mailbox", utcnow(), error)

    attempt = 0
    while not stop.is_set():
        try:
            serve(settings.imap, handle, stop, after_poll=polled, on_error=failed,
                  connected_once=connected.is_set(), tokens=tokens)
            return
        except MailboxError as e:  # only before any good session: a wrong password, say
            failed(str(e))
            fatal.append(e)
            stop.set()
            return
        except Exception as e:  # a bug in a step of the poll: the poller must not die of it
            attempt += 1
            delay = backoff(attempt)
            failed(describe(e))
            log.error("mailbox poller failed: %s; starting again in %.0f s", describe(e), delay)
            log.debug("mailbox poller failed", exc_info=e)
            stop.wait(delay)


class DeliveryWorker:
    """The outbox on a thread of its own, woken by `wake()` and every SWEEP_SECONDS."""

    def __init__(self, db: Database, settings: Settings,
                 senders: Callable[[], MailSender], stop: threading.Event) -> None:
        self._db, self._settings, self._senders, self._stop = db, settings, senders, stop
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """After `stop` is set. A send in flight is left to its lease: a hung relay must
        not hold the process for more than a few seconds."""
        self._wake.set()
        self._thread.join(timeout=STOP_SECONDS)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(SWEEP_SECONDS)
            self._wake.clear()
            if self._stop.is_set():
                return
            run_job("delivery", self._deliver)

    def _deliver(self) -> str | None:
        stats = deliver(self._db, self._settings, self._senders)
        if stats.sent:
            log.info("delivery: %d emails sent", stats.sent)
        if stats.stopped and stats.last_error is None:
            self._wake.set()  # the batch hit its time limit: more is due at once
        if stats.deferred and not stats.sent:
            return f"{stats.deferred} emails deferred: {stats.last_error}"
        return None


def _smtp_intake(db: Database, settings: Settings,
                 after_intake: Callable[[], None]) -> SmtpIntake | None:
    """[smtp_intake] set: listen, feed the IMAP poller's handler, wake delivery at once."""
    where = settings.smtp_intake
    if not where.host:
        return None
    from mailer.smtp_intake import start_smtp_intake

    handle = intake_handler(db, settings)

    def handle_and_deliver(raw: bytes, size: int) -> Outcome:
        outcome = handle(raw, size)
        try:
            after_intake()  # the acknowledgement goes out now, not at the next sweep
        except Exception:  # the interval sweep and delivery still run
            log.exception("after SMTP intake")
        return outcome

    intake = start_smtp_intake(where.host, where.port, handle_and_deliver,
                               where.max_message_bytes)
    log.info("SMTP intake listening on %s:%d", where.host, where.port)
    return intake


def _schedule_sync(db: Database, settings: Settings, scheduler: BackgroundScheduler) -> None:
    """[accounts] sync_url: the directory read at start and every sync_every; a failure is
    run_job's one log line and a failure of job "accounts" (three in a row: an alert)."""
    from escalator.service.account_sync import JOB, shown, sync_job

    def job() -> None:
        run_job(JOB, lambda: sync_job(db, settings, utcnow()))

    scheduler.add_job(job, "interval", seconds=settings.accounts.sync_every.total_seconds(),
                      id="accounts-sync", max_instances=1, coalesce=True,
                      next_run_time=datetime.now(UTC))
    log.info("accounts sync from %s every %s", shown(settings.accounts.sync_url),
             settings.accounts.sync_every)


def _wake_at_next_deadline(db: Database, scheduler: BackgroundScheduler, job: object) -> None:
    with db.transaction() as session:
        times = [session.scalar(select(func.min(column))) for column in
                 (Escalation.next_escalation_at, Escalation.next_warning_at)]
    present = [t for t in times if t is not None]
    if not present:
        return
    nearest = min(t.replace(tzinfo=UTC) if t.tzinfo is None else t for t in present)
    now = utcnow()
    if nearest - now < timedelta(seconds=SWEEP_SECONDS):
        # a deadline the last sweep could not clear waits a second: no busy loop
        at = nearest if nearest > now else now + timedelta(seconds=1)
        scheduler.add_job(job, "date", run_date=at, id="deadline", replace_existing=True)
