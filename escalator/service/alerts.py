"""Admin alerts: [organization] admins hear by email when Escalator is unwell.

    mailbox      the mailbox not read for [health] mailbox_silent_after (the process of
                 `escalator run` that reads it; `tick` reads no mailbox)
    smtp         mail deferred by the server (4xx, no connection) for smtp_failing_after
    messages     received messages that could not be recorded (inbound outcome "error")
    escalations  escalations a job failed on ("fault" events)
    channels     a webhook, Slack or Teams receiver answered 410 Gone and is disabled
    token        an OAuth2 sign-in refused for good (escalator.oauth.revoked(): invalid_grant,
                 consent revoked): said at once, `run` wakes the sweep when it happens
    accounts     the [accounts] sync_url sync of `run` failed three times in a row

Each kind mails at most once an hour; a condition that lasts (mailbox, smtp, token) is said again
once a day, and the failures of the last two are listed as they come (at most hourly).
The alerts go through the outbox (kind "alert") like every email: when SMTP is what fails,
the alert waits there with the rest, and /readyz and the dashboard's banner say so. The
last alert of each kind is its own outbox row (Message-ID <alert-KIND.…@domain>), so every
instance sees it; on PostgreSQL an advisory lock keeps two instances from both writing one.
A reply to an alert is ignored (is_reply_to_alert): an alert never starts a conversation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from escalator.db import Database, is_postgres
from escalator.service.outbox import enqueue
from escalator.settings import Settings
from escalator.status import JobStatus
from models import DisabledDestination, Escalation, Event, Inbound, OutboxMessage
from parser.result import Envelope

if TYPE_CHECKING:
    from escalator.oauth import Revoked

__all__ = ["Alert", "alert_sweep", "is_reply_to_alert"]

log = logging.getLogger(__name__)
KIND = "alert"  # the outbox kind; templates/email/alert.*
EVERY = timedelta(hours=1)  # at most one alert per kind and hour
AGAIN = timedelta(days=1)  # a lasting condition is said again once a day
LOOKBACK = timedelta(days=1)  # failures older than this, never alerted, are history
MOST = 20  # failures listed in one alert
SYNC_FAILURES = 3  # account syncs failed in a row before the admins hear
_LOCK = 0x45534341  # pg_advisory_xact_lock key of the alert job ("ESCA")


@dataclass(frozen=True)
class Alert:
    kind: str  # mailbox | smtp | messages | escalations | channels | token | accounts
    title: str
    since: datetime
    summary: str
    lines: list[str] = field(default_factory=list)
    advice: str = ""


def alert_sweep(db: Database, settings: Settings, now: datetime,
                jobs: Mapping[str, JobStatus], mailbox_started: datetime | None = None,
                revoked: Sequence[Revoked] = ()) -> int:
    """Write the alerts due at `now`; return how many. `jobs` is escalator.status.snapshot();
    `mailbox_started` is when this process began reading the mailbox (None: it reads none);
    `revoked` is escalator.oauth.revoked()."""
    if not settings.admins:
        return 0
    written = 0
    with db.transaction() as session:
        if is_postgres(session):
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        found = [a for a in (
            _mailbox(settings, now, jobs.get("mailbox"), mailbox_started),
            _smtp(session, settings, now),
            _token(settings, revoked),
            _accounts_sync(settings, jobs.get("accounts")),
        ) if a is not None]
        for alert in found:
            last = _last(session, alert.kind)
            if last is None or (now - last >= EVERY and (last < alert.since
                                                         or now - last >= AGAIN)):
                written += _write(session, settings, now, alert)
            else:
                log.debug("admin alert (%s) not repeated: the last went out at %s",
                          alert.kind, _when(last))
        for kind, finder in (("messages", _messages), ("escalations", _escalations),
                             ("channels", _disabled)):
            last = _last(session, kind)
            if last is not None and now - last < EVERY:
                continue
            event_alert = finder(session, max(last or now - LOOKBACK, now - LOOKBACK))
            if event_alert is not None:
                written += _write(session, settings, now, event_alert)
    return written


def is_reply_to_alert(envelope: Envelope, domain: str) -> bool:
    """Does the message answer one of our alerts (by In-Reply-To or References)?"""
    pattern = _alert_id(domain)
    return any(pattern.fullmatch(ref.strip("<> ")) for ref in
               (*envelope.in_reply_to, *envelope.references))


def _alert_id(domain: str) -> re.Pattern[str]:
    return re.compile(r"alert-[a-z]+\.[0-9a-f]+@" + re.escape(domain), re.I)


def _mailbox(settings: Settings, now: datetime, job: JobStatus | None,
             started: datetime | None) -> Alert | None:
    if started is None or not settings.imap.host:
        return None
    since = job.last_ok if job is not None and job.last_ok is not None else started
    if now - since < settings.health.mailbox_silent_after:
        return None
    imap = settings.imap
    error = job.last_error if job is not None and job.failing else None
    return Alert(
        "mailbox", f"the mailbox has not been read for {_span(now - since)}", since,
        f"Escalator has not read {imap.username} on {imap.host} (folder {imap.folder}) "
        f"since {_when(since)}. New escalations and replies wait there unread, and nobody "
        "who sends one hears back.",
        [f"last error: {error}"] if error else [],
        "check that the mail server is up and that [imap] password (or "
        "ESCALATOR_IMAP_PASSWORD) is still valid; /readyz shows when it reads again.")


def _smtp(session: Session, settings: Settings, now: datetime) -> Alert | None:
    deferred = (OutboxMessage.status == "pending", OutboxMessage.attempts > 0,
                OutboxMessage.channel == "email")
    oldest, count = session.execute(
        select(func.min(OutboxMessage.created_at), func.count()).where(*deferred)).one()
    if oldest is None or now - oldest < settings.health.smtp_failing_after:
        return None
    error = session.scalar(select(OutboxMessage.last_error).where(*deferred)
                           .order_by(OutboxMessage.id.desc()).limit(1))
    smtp = settings.smtp
    return Alert(
        "smtp", f"mail has not been sent for {_span(now - oldest)}", oldest,
        f"{count} emails wait in the outbox because {smtp.host}:{smtp.port} puts them off; "
        f"the oldest was written {_when(oldest)}. They are retried and go out once the "
        "server takes them (this alert too, if it is the cause).",
        [f"last error: {error}"] if error else [],
        "check the [smtp] server and its credentials; nothing is lost meanwhile.")


def _token(settings: Settings, revoked: Sequence[Revoked]) -> Alert | None:
    if not revoked:
        return None
    lines: list[str] = []
    sending = False
    for grant in revoked:
        used = [name for name, s in (("imap", settings.imap), ("smtp", settings.smtp))
                if s.username == grant.user and (s.oauth2_flow or "static") == grant.flow]
        sending = sending or "smtp" in used
        reason = grant.reason.removeprefix(f"{grant.flow} for {grant.user}: ")
        lines.append(f"{grant.user} ({grant.flow}, "
                     f"{' and '.join(f'[{u}]' for u in used) or 'in use'}) "
                     f"since {_when(grant.since)}: {reason}")
    first = revoked[0]
    title = (f"the sign-in of {first.user} was refused for good" if len(revoked) == 1
             else f"{len(revoked)} sign-ins were refused for good")
    return Alert(
        "token", title, max(r.since for r in revoked),
        "The identity provider refuses the stored refresh token (a password reset, revoked "
        "consent or an expired grant), so Escalator cannot log in: the mailbox is not read "
        "and new escalations and replies wait there unread; nothing is lost."
        + (" Mail cannot be sent either: this alert waits in the outbox with the rest until "
           "then." if sending else ""),
        lines,
        "run `escalator auth login` (with the same config.toml) and sign in as the mailbox; "
        "reading and sending go on by themselves, /readyz shows when.")


def _accounts_sync(settings: Settings, job: JobStatus | None) -> Alert | None:
    """[accounts] sync_url failed SYNC_FAILURES times in a row: once may be the CRM's
    maintenance window, three are something to fix."""
    if job is None or not job.failing or job.failures_in_a_row < SYNC_FAILURES:
        return None
    from escalator.service.account_sync import shown

    assert job.failing_since is not None
    source = shown(settings.accounts.sync_url)
    return Alert(
        "accounts", f"the account sync has failed {job.failures_in_a_row} times in a row",
        job.failing_since,
        f"Escalator could not read the account directory from {source} since "
        f"{_when(job.failing_since)}. Accounts keep their last ARR, renewal date and health "
        "until it reads again; escalations go on.",
        [f"last error: {job.last_error}"] if job.last_error else [],
        "check that the export URL still answers (and its token, "
        "ESCALATOR_ACCOUNTS_SYNC_TOKEN); `escalator accounts sync` tries it once by hand.")


def _messages(session: Session, since: datetime) -> Alert | None:
    rows = list(session.execute(
        select(Inbound.received_at, Inbound.sender, Inbound.subject, Inbound.reason)
        .where(Inbound.outcome == "error", Inbound.received_at > since)
        .order_by(Inbound.received_at, Inbound.id).limit(MOST + 1)))
    if not rows:
        return None
    count = len(rows) if len(rows) <= MOST else f"more than {MOST}"
    return Alert(
        "messages", f"{count} received messages could not be recorded", rows[0].received_at,
        "These messages were kept in the failed folder, not recorded; their senders were "
        "told that a person will look.",
        [f"{_when(r.received_at)} from {r.sender or '(no sender)'}: "
         f"\"{(r.subject or '(no subject)')[:80]}\": {r.reason[:200]}" for r in rows[:MOST]],
        "`escalator ignored` lists them with the reason; once fixed, move a message back "
        "to the inbox and it is read again.")


def _escalations(session: Session, since: datetime) -> Alert | None:
    rows = list(session.execute(
        select(Event.at, Event.escalation_id, Event.detail, Escalation.account)
        .join(Escalation, Escalation.id == Event.escalation_id)
        .where(Event.kind == "fault", Event.at > since)
        .order_by(Event.at, Event.id).limit(MOST + 1)))
    if not rows:
        return None
    count = len(rows) if len(rows) <= MOST else f"more than {MOST}"
    return Alert(
        "escalations", f"{count} failures on escalations in a periodic job", rows[0].at,
        "The SLA sweep or a reminder failed on these escalations; each was put off and is "
        "tried again, and the others went on.",
        [f"{_when(r.at)} ESC-{r.escalation_id} ({r.account[:60]}): {r.detail[:200]}"
         for r in rows[:MOST]],
        "`escalator show ESC-N` shows the fault on its trail; a template copied into "
        "[templates] dir is the usual cause.")


def _disabled(session: Session, since: datetime) -> Alert | None:
    rows = list(session.scalars(select(DisabledDestination).where(DisabledDestination.at > since)
                                .order_by(DisabledDestination.at).limit(MOST)))
    if not rows:
        return None
    return Alert(
        "channels", f"{len(rows)} receivers answered 410 Gone and are disabled", rows[0].at,
        "Nothing more is sent to them; what was due for them is marked failed.",
        [f"{_when(r.at)} {r.channel} {r.address}: {r.reason[:200]}" for r in rows],
        "if the receiver is back, give it a new URL in the config (the old one stays "
        "disabled); `escalator show ESC-N` has the event.")


def _last(session: Session, kind: str) -> datetime | None:
    prefix = f"alert-{kind}.%"
    return session.scalar(select(func.max(OutboxMessage.created_at)).where(
        OutboxMessage.escalation_id.is_(None),  # the index of the few rows of no escalation
        OutboxMessage.kind == KIND, OutboxMessage.message_id.like(prefix)))


def _write(session: Session, settings: Settings, now: datetime, alert: Alert) -> int:
    context: dict[str, Any] = {"alert": alert}
    row = enqueue(session, settings, kind=KIND, now=now, to=settings.admins, context=context)
    if row is None:  # every admin is the mailbox itself
        return 0
    row.message_id = f"alert-{alert.kind}.{row.message_id.split('.', 1)[1]}"
    session.flush()
    log.warning("admin alert (%s) to %s: %s", alert.kind, ", ".join(row.to_addrs),
                alert.title, extra={"outcome": "alert", "alert": alert.kind})
    return 1


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // 1440} days"


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")

