"""One received message -> one transaction: the inbound row, its effects, the outgoing mail.

The inbound row (unique Message-ID) commits together with the escalation or reply it causes,
so a message fetched twice, by a restart or by a second instance, has its effect once.
The caller moves the message to the folder returned only after this has committed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import parser
from escalator.db import Database
from escalator.faultlog import lasting
from escalator.metrics import INTAKE_LAG
from escalator.service import events
from escalator.service.alerts import is_reply_to_alert
from escalator.service.answers import answer
from escalator.service.failures import (
    clean,
    describe,
    is_environmental,
    message_key,
    referable,
)
from escalator.service.new_escalations import open_escalations
from escalator.service.outbox import message_domain
from escalator.service.reply_intake import handle_reply
from escalator.settings import Settings
from mailer.outcome import Outcome
from models import Escalation, Inbound
from parser.result import Ignored, Intake, Rejection, Reply, Result
from parser.screen.ours import escalation_ids
from parser.screen.sender import is_internal
from parser.settings import ParseSettings

log = logging.getLogger(__name__)


def parse_settings(settings: Settings) -> ParseSettings:
    return ParseSettings(
        mailbox_address=settings.smtp.from_address.lower(),
        message_id_domain=settings.smtp.from_address.rsplit("@", 1)[-1].lower(),
        internal_domains=settings.internal_domains,
        risk_levels=dict(settings.risk_levels),
        max_message_bytes=settings.imap.max_message_bytes,
        trusted_authserv_id=settings.trusted_authserv_id,
    )


def handle_message(
    db: Database, settings: Settings, raw: bytes, now: datetime, size: int | None = None
) -> Outcome:
    """Parse and apply one message exactly once; say where it belongs once committed."""
    [outcome] = handle_messages(db, settings, [(raw, size)], now)
    return outcome


def handle_messages(
    db: Database, settings: Settings, messages: Sequence[tuple[bytes, int | None]],
    now: datetime,
) -> list[Outcome]:
    """Apply a batch in one transaction: one commit (one fsync) for all of it.

    The caller moves the messages only after this returns. Should any message fail (a
    concurrent instance took it first, a value the database refuses, a bug), the batch is
    rolled back and applied again message by message, so one bad message never holds the
    others back: it gets an `error` row and goes to the failed folder. Only an error of the
    machine or of the database (failures.is_environmental) is a RETRY: left in the inbox.
    """
    parse_with = parse_settings(settings)
    parsed: list[Result | None] = []
    for raw, size in messages:
        try:
            parsed.append(parser.parse(raw, parse_with, size))
        except Exception as e:  # the parser raises only for the machine's errors
            log.warning("message left in the inbox: parsing failed: %s", describe(e))
            parsed.append(None)
    results = [r for r in parsed if r is not None]
    done: list[tuple[Inbound, Result]] = []
    try:
        with db.transaction() as session:
            outcomes = _apply_all(session, settings, results, now, done)
        _log_applied(done, now)
        lasting.ok(log, "intake")
    except Exception as e:
        # the database away: all of them wait. The machine short of memory or descriptors may
        # be so because of one message: the others are tried alone, as for any other fault
        if is_environmental(e) and not isinstance(e, OSError | MemoryError):
            lasting.failed(log, "intake", f"{len(results)} messages left in the inbox: "
                          f"{describe(e)}", logging.WARNING)
            outcomes = [Outcome.RETRY] * len(results)
        else:
            if len(results) > 1:
                log.info("batch of %d rolled back (%s); applying one by one", len(results),
                         describe(e))
            outcomes = [_apply_alone(db, settings, result, now) for result in results]
    applied = iter(outcomes)
    return [next(applied) if r is not None else Outcome.RETRY for r in parsed]


def _inbound(result: Result, now: datetime) -> Inbound:
    """The message's row, its values cut to what the columns hold whatever the parser gave."""
    env = result.envelope
    return Inbound(message_key=message_key(env.message_id), sender=clean(env.sender, 320),
                   subject=clean(env.subject, 2000), received_at=now, outcome="", reason="")


def _apply_all(session: Session, settings: Settings, results: Sequence[Result],
               now: datetime, done: list[tuple[Inbound, Result]]) -> list[Outcome]:
    keys = [message_key(r.envelope.message_id) for r in results]
    known = {i.message_key: _folder_of(i) for i in session.scalars(
        select(Inbound).where(Inbound.message_key.in_(set(keys))))}
    outcomes: list[Outcome] = []
    opening: list[tuple[Intake, Inbound]] = []  # new escalations: opened together below
    for result, key in zip(results, keys, strict=True):
        if key in known:  # handled before, or earlier in this very batch
            log.info("already handled %s", key)
            outcomes.append(known[key])
            continue
        inbound = _inbound(result, now)
        if isinstance(result, Intake) and not _to_alert(result, settings):
            opening.append((result, inbound))
            outcome = Outcome.PROCESSED
        else:
            session.add(inbound)
            outcome = apply(session, settings, result, inbound, now)
            inbound.reason = clean(inbound.reason, 2000)
        done.append((inbound, result))
        known[key] = outcome
        outcomes.append(outcome)
    opened = open_escalations(session, settings, [i for i, _ in opening], now)
    for (_, inbound), esc in zip(opening, opened, strict=True):
        inbound.outcome, inbound.escalation_id = "intake", esc.id
    session.flush()
    if opening:  # the unique Message-ID: a concurrent instance stops here
        session.execute(insert(Inbound), [_row(inbound) for _, inbound in opening])
    return outcomes


def _row(inbound: Inbound) -> dict[str, object]:
    return {c: getattr(inbound, c) for c in ("message_key", "sender", "subject", "received_at",
                                             "outcome", "reason", "escalation_id")}


def _apply_alone(db: Database, settings: Settings, result: Result, now: datetime) -> Outcome:
    key = message_key(result.envelope.message_id)
    try:
        done: list[tuple[Inbound, Result]] = []
        with db.transaction() as session:
            outcome = _apply_all(session, settings, [result], now, done)[0]
        _log_applied(done, now)
        lasting.ok(log, "intake")
        return outcome
    except Exception as e:
        error = e
    try:
        if is_environmental(error):
            log.warning("message %s left in the inbox: %s", key, describe(error))
            return Outcome.RETRY
        if isinstance(error, IntegrityError):
            previous = _previous(db, key)
            if previous is not None:  # PostgreSQL: another instance committed it first
                log.info("message %s handled concurrently by another instance", key)
                return _folder_of(previous)
        return _record_error(db, settings, result, error, now)
    except Exception as e:  # not even its error row can be written now: try again later
        log.error("message %s left in the inbox: %s (after %s)", key, describe(e),
                  describe(error))
        return Outcome.RETRY


def _log_applied(done: list[tuple[Inbound, Result]], now: datetime) -> None:
    """One line per committed message (the intake lag observed with it): outcome, message,
    sender, escalation and reason; never the body."""
    for inbound, result in done:
        esc = f"ESC-{inbound.escalation_id}" if inbound.escalation_id else None
        log.info("%s: message %s from %s%s%s", inbound.outcome, inbound.message_key,
                 inbound.sender or "(no sender)", f", {esc}" if esc else "",
                 f": {inbound.reason[:300]}" if inbound.reason else "",
                 extra={"outcome": inbound.outcome, "message_id": inbound.message_key,
                        "sender": inbound.sender, "escalation": esc})
        sent = result.envelope.date
        if sent is not None:
            sent = sent if sent.tzinfo else sent.replace(tzinfo=UTC)
            INTAKE_LAG.observe(max((now - sent).total_seconds(), 0.0))


def _previous(db: Database, key: str) -> Inbound | None:
    with db.transaction() as session:
        return session.scalar(select(Inbound).where(Inbound.message_key == key))


def _record_error(db: Database, settings: Settings, result: Result, error: Exception,
                  now: datetime) -> Outcome:
    """The message's own fault: kept in the failed folder, listed by `escalator ignored`,
    and the colleague who sent it told that a person will look (within the loop breaker)."""
    key, reason = message_key(result.envelope.message_id), describe(error)
    log.error("message %s from %s could not be recorded, moved to the failed folder: %s",
              key, result.envelope.sender, reason)
    log.debug("the traceback of %s", key, exc_info=error)  # with -v: for whoever fixes it
    answering = _answerable(result, settings)
    try:
        return _write_error(db, settings, result, reason, now, answering)
    except Exception as e:
        if not answering or is_environmental(e):
            raise
        log.error("message %s: no answer to its sender: %s", key, describe(e))
        return _write_error(db, settings, result, reason, now, answering=False)


def _write_error(db: Database, settings: Settings, result: Result, reason: str,
                 now: datetime, answering: bool) -> Outcome:
    inbound = _inbound(result, now)
    inbound.outcome, inbound.reason = "error", clean(f"could not be recorded: {reason}", 2000)
    try:
        with db.transaction() as session:
            session.add(inbound)
            if answering:
                _answer_error(session, settings, result.envelope, now)
        return Outcome.FAILED
    except IntegrityError:
        previous = _previous(db, inbound.message_key)  # another instance wrote it first
        if previous is None:
            raise
        return _folder_of(previous)


def _answerable(result: Result, settings: Settings) -> bool:
    """A colleague's message (never noise or an outsider's), from an address we can mail."""
    sender = result.envelope.sender
    return (not isinstance(result, Ignored) and 0 < len(sender) <= 254
            and clean(sender, 254) == sender and _internal(sender, settings))


def _answer_error(session: Session, settings: Settings, env: parser.result.Envelope,
                  now: datetime) -> None:
    safe = dataclasses.replace(env, subject=clean(env.subject, 200),
                               sender_name=clean(env.sender_name, 200))
    answer(session, settings, kind="error", to=env.sender, now=now,
           in_reply_to=referable(env.message_id), context={"envelope": safe})


def _folder_of(inbound: Inbound) -> Outcome:
    failed = ("rejected", "outsider", "error")
    return Outcome.FAILED if inbound.outcome in failed else Outcome.PROCESSED


def _to_alert(result: Result, settings: Settings) -> bool:
    return not isinstance(result, Ignored) and is_reply_to_alert(result.envelope,
                                                                 message_domain(settings))


def apply(
    session: Session, settings: Settings, result: Result, inbound: Inbound, now: datetime
) -> Outcome:
    """A message other than a new escalation (those _apply_all opens together)."""
    if _to_alert(result, settings):
        inbound.outcome, inbound.reason = "ignored", "reply to an admin alert"  # no loop
        return Outcome.PROCESSED
    if isinstance(result, Reply):
        return handle_reply(session, settings, result, inbound, now)
    if isinstance(result, Rejection):
        inbound.outcome = "rejected"
        inbound.reason = "; ".join(str(p) for p in result.problems)[:2000]
        _reject(session, settings, result.envelope, now, list(result.problems))
        return Outcome.FAILED
    assert isinstance(result, Ignored)
    inbound.outcome = "outsider" if result.keep_in_failed else "ignored"
    inbound.reason = result.reason[:2000]
    _record_bounce(session, settings, result, now)
    return Outcome.FAILED if result.keep_in_failed else Outcome.PROCESSED


def _internal(address: str, settings: Settings) -> bool:
    return is_internal(address, settings.internal_domains)


def _reject(session: Session, settings: Settings, env: parser.result.Envelope, now: datetime,
            problems: list[parser.result.Problem]) -> None:
    """Answer a colleague's unusable message (within the loop breaker's allowance)."""
    answer(session, settings, kind="rejection", to=env.sender, now=now,
           in_reply_to=referable(env.message_id),
           context={"envelope": env, "problems": problems})


def _record_bounce(session: Session, settings: Settings, result: Ignored,
                   now: datetime) -> None:
    """A bounce of one of our emails is kept on its escalation, for the owner's next recap."""
    ids = escalation_ids(result.bounce_of or "", message_domain(settings))
    esc = session.get(Escalation, ids[0]) if ids else None
    if esc is None:
        return
    who = ", ".join(result.bounced_recipients) or "a recipient"
    events.add(session, esc, now, "bounce", "escalator",
               f"delivery to {who} failed: {result.reason}")
