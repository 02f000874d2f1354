"""`/metrics`: the Prometheus text format, from a registry of our own (prometheus-client).

Counts are read from the database at scrape time, not kept in this process: they are the
same whichever instance is scraped, include the work of every instance, and survive
restarts (the rows are never deleted, so each counter only grows):

    escalator_messages_total{outcome, reason}    inbound rows: intake, reply, rejected,
                                                 ignored, outsider, error; reason a short
                                                 class ("auto-reply", "bounce", "account")
    escalator_notices_total{kind, rung}          notice rows: new, response, resolution,
                                                 warning
    escalator_emails_total{kind, status}         outbox rows: pending, sending, sent
                                                 (deliveries), failed (refused for good)
    escalator_emails_deferred                    unsent rows a server has put off (4xx)
    escalator_outbox_oldest_age_seconds          age of the oldest unsent email (0: none)
    escalator_faults_total                       "fault" events: escalations a job failed on
    escalator_escalations_open{severity}         open escalations
    escalator_database_up                        1, or 0 with nothing of the above

Observed by this process, since it started (in `escalator run`):

    escalator_sweep_duration_seconds             each SLA sweep
    escalator_intake_lag_seconds                 from a message's Date header to its record
    escalator_job_last_success_timestamp_seconds{job}, escalator_job_failing{job}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from escalator import status
from escalator.health import oldest_waiting
from models import Escalation, Event, Inbound, Notice, OutboxMessage
from models.escalation import OPEN_STATUSES

__all__ = ["INTAKE_LAG", "SWEEP_DURATION", "exposition", "reason_class", "registry"]

SWEEP_DURATION = Histogram(
    "escalator_sweep_duration_seconds", "Duration of one SLA sweep (breaches and warnings)",
    registry=None, buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
INTAKE_LAG = Histogram(
    "escalator_intake_lag_seconds", "From a message's Date header to its record",
    registry=None, buckets=(1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 86400))

_WITH_REASONS = ("ignored", "outsider", "rejected", "error")  # intake, reply: none
_CLASS = re.compile(r"[a-z][a-z -]{0,38}[a-z]")
_EMPTY_REPLY = "reply with no new text above the quote"


def reason_class(outcome: str, reason: str) -> str:
    """A few words for a label, never an address or a subject: the text before the first
    '(' ':' or ';' when it is plain words ("auto-reply", "bounce", "account"), the outcome's
    own word for outsiders and unknown escalations, else "other"."""
    if not reason:
        return ""
    if outcome == "outsider":
        return "outsider dmarc fail" if reason.endswith("(dmarc fail)") else "outsider"
    if reason == _EMPTY_REPLY:
        return "empty reply"
    if reason.startswith("ESC-") and reason.endswith("not found"):
        return "no such escalation"
    head = re.split(r"[(:;]", reason, maxsplit=1)[0].strip().lower()
    return head if _CLASS.fullmatch(head) else "other"


def _notice_kind(target: str) -> str:
    if target.startswith("task:"):  # one per task: the kind, not the task, is the label
        return "task"
    return "warning" if target.startswith("warn") else target


class DatabaseCollector(Collector):
    """The counts above, one short read-only transaction per scrape."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("escalator_database_up", "1 when the database answered")
        try:
            with Session(self.engine) as session:
                found = list(self._read(session))
        except SQLAlchemyError:
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *found]

    def _read(self, session: Session) -> Iterable[Metric]:
        messages = CounterMetricFamily("escalator_messages", "Received messages by outcome",
                                       labels=["outcome", "reason"])
        counts: dict[tuple[str, str], int] = {}
        # by outcome from the index alone; reasons read only where outcomes have them
        for outcome, n in session.execute(select(Inbound.outcome, func.count())
                                          .group_by(Inbound.outcome)):
            if outcome not in _WITH_REASONS:
                counts[(outcome, "")] = int(n)
        for outcome, reason, n in session.execute(
                select(Inbound.outcome, Inbound.reason, func.count())
                .where(Inbound.outcome.in_(_WITH_REASONS))
                .group_by(Inbound.outcome, Inbound.reason)):
            key = (outcome, reason_class(outcome, reason or ""))
            counts[key] = counts.get(key, 0) + int(n)
        for labels, n in sorted(counts.items()):
            messages.add_metric(list(labels), n)
        yield messages

        notices = CounterMetricFamily("escalator_notices", "Notices decided, by kind and rung",
                                      labels=["kind", "rung"])
        by_kind: dict[tuple[str, str], int] = {}
        for target, rung, n in session.execute(
                select(Notice.target, Notice.rung, func.count())
                .group_by(Notice.target, Notice.rung)):
            key = (_notice_kind(target), rung)
            by_kind[key] = by_kind.get(key, 0) + int(n)
        for labels, n in sorted(by_kind.items()):
            notices.add_metric(list(labels), n)
        yield notices

        emails = CounterMetricFamily("escalator_emails", "Outbox rows by kind and status "
                                     "(sent: delivered; failed: refused for good)",
                                     labels=["kind", "status"])
        others = CounterMetricFamily("escalator_channel_messages", "Webhook and chat outbox "
                                     "rows by channel and status", labels=["channel", "status"])
        by_channel: dict[tuple[str, str], int] = {}
        for channel, kind, state, n in session.execute(
                select(OutboxMessage.channel, OutboxMessage.kind, OutboxMessage.status,
                       func.count())
                .group_by(OutboxMessage.status, OutboxMessage.kind, OutboxMessage.channel)
                .order_by(OutboxMessage.kind, OutboxMessage.status)):
            if channel == "email":
                emails.add_metric([kind, state], int(n))
            else:
                key = (channel, state)
                by_channel[key] = by_channel.get(key, 0) + int(n)
        for labels, n in sorted(by_channel.items()):
            others.add_metric(list(labels), n)
        yield emails
        yield others

        deferred = session.scalar(select(func.count()).where(
            OutboxMessage.status == "pending", OutboxMessage.attempts > 0,
            OutboxMessage.channel == "email"))
        yield GaugeMetricFamily("escalator_emails_deferred",
                                "Unsent emails a mail server has put off", value=deferred or 0)
        oldest = oldest_waiting(session)
        age = max(self.clock() - oldest, timedelta(0)) if oldest else timedelta(0)
        yield GaugeMetricFamily("escalator_outbox_oldest_age_seconds",
                                "Age of the oldest unsent email (0 when none waits)",
                                value=age.total_seconds())
        faults = session.scalar(select(func.count()).where(Event.kind == "fault"))
        yield CounterMetricFamily("escalator_faults", "Escalations a job failed on (each put "
                                  "off and retried)", value=faults or 0)

        open_by = GaugeMetricFamily("escalator_escalations_open", "Open escalations",
                                    labels=["severity"])
        for severity, n in session.execute(
                select(Escalation.severity, func.count())
                .where(Escalation.status.in_(OPEN_STATUSES))
                .group_by(Escalation.severity).order_by(Escalation.severity)):
            open_by.add_metric([str(severity)], int(n))
        yield open_by


class JobCollector(Collector):
    """This process's periodic jobs, from escalator.status."""

    def collect(self) -> Iterable[Metric]:
        last = GaugeMetricFamily("escalator_job_last_success_timestamp_seconds",
                                 "When each job of this process last ran through",
                                 labels=["job"])
        failing = GaugeMetricFamily("escalator_job_failing",
                                    "1 while a job's last run failed", labels=["job"])
        for name, job in sorted(status.snapshot().items()):
            if job.last_ok is not None:
                last.add_metric([name], job.last_ok.timestamp())
            failing.add_metric([name], 1 if job.failing else 0)
        return [last, failing]


def registry(engine: Engine, clock: Callable[[], datetime]) -> CollectorRegistry:
    """A registry of our own (not prometheus-client's global one, which tests share)."""
    reg = CollectorRegistry(auto_describe=False)  # no database read at registration
    for collector in (DatabaseCollector(engine, clock), JobCollector(), SWEEP_DURATION,
                      INTAKE_LAG):
        reg.register(collector)
    return reg


def exposition(reg: CollectorRegistry) -> bytes:
    return generate_latest(reg)
