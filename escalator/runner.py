"""`escalator run`: the IMAP poller in a thread (and/or SMTP intake), the SLA sweep and the
outbox on APScheduler.

The sweep runs every SWEEP_SECONDS and, besides, wakes at the nearest deadline or warning in
the database (looked up again after every sweep and every intake), so a breach notice goes
out within a second or two of its deadline.
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
from escalator.jobs import intake_batch_handler, intake_handler, smtp_factory, tick, utcnow
from escalator.service.delivery import deliver
from escalator.settings import Settings
from mailer.outcome import Outcome
from models import Escalation

if TYPE_CHECKING:
    from mailer.smtp_intake import SmtpIntake

log = logging.getLogger(__name__)
SWEEP_SECONDS = 30


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
    lock = threading.Lock()

    def sweep_job() -> None:
        with lock:
            try:
                stats = tick(db, settings, utcnow(), senders, mailbox_started=reading)
                if stats.notices or stats.delivery.sent:
                    log.info("sweep: %d notices, %d emails sent", stats.notices,
                             stats.delivery.sent)
            except Exception:
                log.exception("sweep failed; next attempt at the next wake-up")
        rearm()

    def rearm() -> None:
        """Wake the sweep at the nearest deadline; after every sweep and every intake."""
        try:
            _wake_at_next_deadline(db, scheduler, sweep_job)
        except Exception:  # the interval sweep still runs
            log.exception("could not schedule the next deadline")

    def after_intake() -> None:
        deliver(db, settings, senders)
        rearm()

    def after_poll(_stats: object) -> None:
        status.record_ok("mailbox", utcnow())  # read: the mailbox check of /readyz
        after_intake()

    def mailbox_failed(line: str) -> None:
        status.record_failure("mailbox", utcnow(), line)  # said by /readyz and alerts

    scheduler.add_job(sweep_job, "interval", seconds=SWEEP_SECONDS, id="sweep",
                      max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
    scheduler.start()
    poller: threading.Thread | None = None
    if settings.imap.host:
        from escalator.oauth import imap_tokens, log_failures
        from mailer.poll import serve

        log_failures()
        handle = intake_batch_handler(db, settings)
        poller = threading.Thread(
            target=serve, name="imap",
            args=(settings.imap, handle, stop),
            kwargs={"after_poll": after_poll, "on_error": mailbox_failed,
                    "tokens": imap_tokens(settings)},
            daemon=True,
        )
        poller.start()
    elif not settings.smtp_intake.host:
        log.warning("[imap] host and [smtp_intake] host are not set: no intake")
    intake = _smtp_intake(db, settings, scheduler, after_intake)
    try:
        stop.wait()
    finally:
        if intake is not None:
            intake.stop()  # first: no message is taken that cannot be committed
        dashboard.shutdown()
        scheduler.shutdown(wait=True)
        if poller is not None:
            poller.join(timeout=30)
        db.dispose()


def _smtp_intake(db: Database, settings: Settings, scheduler: BackgroundScheduler,
                 deliver_outbox: Callable[[], object]) -> SmtpIntake | None:
    """[smtp_intake] set: listen, feed the IMAP poller's handler, deliver the outbox at once."""
    where = settings.smtp_intake
    if not where.host:
        return None
    from mailer.smtp_intake import start_smtp_intake

    handle = intake_handler(db, settings)

    def deliver_now() -> None:
        try:
            deliver_outbox()
        except Exception:  # the sweep delivers what is left
            log.exception("delivery after SMTP intake failed")

    def handle_and_deliver(raw: bytes, size: int) -> Outcome:
        outcome = handle(raw, size)
        # the acknowledgement goes out now, not at the next sweep; claims make overlaps safe
        scheduler.add_job(deliver_now, id="deliver-intake", replace_existing=True,
                          max_instances=2)
        return outcome

    intake = start_smtp_intake(where.host, where.port, handle_and_deliver,
                               where.max_message_bytes)
    log.info("SMTP intake listening on %s:%d", where.host, where.port)
    return intake


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
