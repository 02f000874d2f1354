"""`escalator run`: the IMAP poller in a thread, the SLA sweep and the outbox on APScheduler.

The sweep runs every SWEEP_SECONDS and, besides, wakes at the nearest deadline in the
database, so a breach notice goes out within a second or two of its deadline.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from escalator.db import Database
from escalator.jobs import intake_handler, smtp_factory, tick, utcnow
from escalator.service.delivery import deliver
from escalator.settings import Settings
from models import Escalation

log = logging.getLogger(__name__)
SWEEP_SECONDS = 30


def run(db: Database, settings: Settings, stop: threading.Event) -> None:
    from escalator.web import start_dashboard

    dashboard = start_dashboard(db, settings)  # first: a bad [web] stops us before anything runs
    scheduler = BackgroundScheduler(timezone=UTC)
    senders = smtp_factory(settings)
    lock = threading.Lock()

    def sweep_job() -> None:
        with lock:
            try:
                stats = tick(db, settings, utcnow(), senders)
                if stats.notices or stats.delivery.sent:
                    log.info("sweep: %d notices, %d emails sent", stats.notices,
                             stats.delivery.sent)
            except Exception:
                log.exception("sweep failed; next attempt at the next wake-up")
            _wake_at_next_deadline(db, scheduler, sweep_job)

    scheduler.add_job(sweep_job, "interval", seconds=SWEEP_SECONDS, id="sweep",
                      max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
    scheduler.start()
    poller: threading.Thread | None = None
    if settings.imap.host:
        from mailer.poll import serve

        handle = intake_handler(db, settings)
        poller = threading.Thread(
            target=serve, name="imap",
            args=(settings.imap, handle, stop),
            kwargs={"after_poll": lambda _stats: deliver(db, settings, senders)},
            daemon=True,
        )
        poller.start()
    else:
        log.warning("[imap] host is not set: not polling a mailbox")
    try:
        stop.wait()
    finally:
        dashboard.shutdown()
        scheduler.shutdown(wait=True)
        if poller is not None:
            poller.join(timeout=30)
        db.dispose()


def _wake_at_next_deadline(db: Database, scheduler: BackgroundScheduler, job: object) -> None:
    with db.transaction() as session:
        times = [session.scalar(select(func.min(column))) for column in
                 (Escalation.next_escalation_at, Escalation.next_warning_at)]
    present = [t for t in times if t is not None]
    if not present:
        return
    nearest = min(t.replace(tzinfo=UTC) if t.tzinfo is None else t for t in present)
    if nearest - utcnow() < timedelta(seconds=SWEEP_SECONDS):
        scheduler.add_job(job, "date", run_date=max(nearest, utcnow()), id="deadline",
                          replace_existing=True)
