"""One received message -> one transaction: the inbound row, its effects, the outgoing mail.

The inbound row (unique Message-ID) commits together with the escalation or reply it causes,
so a message fetched twice, by a restart or by a second instance, has its effect once.
The caller moves the message to the folder returned only after this has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

import parser
from escalator.db import Database
from escalator.service import events
from escalator.service.accounts import csm_team, link_escalation
from escalator.service.answers import answer
from escalator.service.outbox import enqueue, message_domain, new_escalation
from escalator.service.recipients import (
    add_stakeholders,
    category_contacts,
    dedupe,
    rung_addresses,
)
from escalator.service.replies import apply_reply
from escalator.service.state import reschedule
from escalator.settings import Settings
from escalator.sla import targets_for
from mailer.outcome import Outcome
from models import Escalation, Inbound, Notice
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
    concurrent instance took it first, or a bug), the batch is rolled back and applied
    again message by message, so one bad message never holds the others back.
    A database that is away raises: the whole batch stays in the inbox.
    """
    parse_with = parse_settings(settings)
    results = [parser.parse(raw, parse_with, size) for raw, size in messages]
    try:
        with db.transaction() as session:
            return _apply_all(session, settings, results, now)
    except (IntegrityError, _Unexpected):
        if len(results) > 1:
            log.info("batch of %d rolled back; applying one by one", len(results))
    return [_apply_alone(db, settings, result, now) for result in results]


class _Unexpected(Exception):
    """A bug met while applying one message (not a database error)."""


def _apply_all(session: Session, settings: Settings, results: Sequence[Result],
               now: datetime) -> list[Outcome]:
    keys = [r.envelope.message_id for r in results]
    known = {i.message_key: _folder_of(i) for i in session.scalars(
        select(Inbound).where(Inbound.message_key.in_(set(keys))))}
    outcomes: list[Outcome] = []
    for result, key in zip(results, keys, strict=True):
        if key in known:  # handled before, or earlier in this very batch
            log.info("already handled %s", key)
            outcomes.append(known[key])
            continue
        inbound = Inbound(message_key=key, sender=result.envelope.sender,
                          subject=result.envelope.subject[:2000], received_at=now,
                          outcome="", reason="")
        session.add(inbound)
        try:
            outcome = apply(session, settings, result, inbound, now)
        except SQLAlchemyError:
            raise
        except Exception as e:
            raise _Unexpected(key) from e
        known[key] = outcome
        outcomes.append(outcome)
    session.flush()  # the unique Message-ID: a concurrent instance stops here
    return outcomes


def _apply_alone(db: Database, settings: Settings, result: Result, now: datetime) -> Outcome:
    key = result.envelope.message_id
    try:
        with db.transaction() as session:
            return _apply_all(session, settings, [result], now)[0]
    except IntegrityError:
        # PostgreSQL: another instance committed this message first; see what it decided
        log.info("message %s handled concurrently by another instance", key)
        with db.transaction() as session:
            previous = session.scalar(select(Inbound).where(Inbound.message_key == key))
            return _folder_of(previous) if previous is not None else Outcome.PROCESSED
    except _Unexpected as e:  # keep it for a person, and say why in `escalator ignored`
        cause = e.__cause__ or e
        log.error("message %s could not be applied; moved to the failed folder", key,
                  exc_info=cause)
        with db.transaction() as session:
            session.add(Inbound(message_key=key, sender=result.envelope.sender,
                                subject=result.envelope.subject[:2000], received_at=now,
                                outcome="error",
                                reason=f"{type(cause).__name__}: {cause}"[:2000]))
        return Outcome.FAILED


def _folder_of(inbound: Inbound) -> Outcome:
    failed = ("rejected", "outsider", "error")
    return Outcome.FAILED if inbound.outcome in failed else Outcome.PROCESSED


def apply(
    session: Session, settings: Settings, result: Result, inbound: Inbound, now: datetime
) -> Outcome:
    if isinstance(result, Intake):
        esc = open_escalation(session, settings, result, now)
        inbound.outcome, inbound.escalation_id = "intake", esc.id
        return Outcome.PROCESSED
    if isinstance(result, Reply):
        target = session.get(Escalation, result.escalation_id)
        if target is None:
            inbound.outcome, inbound.reason = "rejected", f"ESC-{result.escalation_id} not found"
            _reject(session, settings, result.envelope, now, [parser.result.Problem(
                f"ESC-{result.escalation_id}",
                "no such escalation; check the number in the subject",
            )])
            return Outcome.FAILED
        inbound.escalation_id = target.id
        if not (result.commands or result.problems or result.text.strip()):
            # nothing above the quoted history: a quoted command is no command (no stakeholder
            # added, no confirmation); listed by `escalator ignored`
            inbound.outcome, inbound.reason = "ignored", "reply with no new text above the quote"
            return Outcome.PROCESSED
        inbound.outcome = "reply"
        apply_reply(session, settings, target, result, now)
        return Outcome.PROCESSED
    if isinstance(result, Rejection):
        inbound.outcome = "rejected"
        inbound.reason = "; ".join(str(p) for p in result.problems)[:2000]
        _reject(session, settings, result.envelope, now, list(result.problems))
        return Outcome.FAILED
    assert isinstance(result, Ignored)
    inbound.outcome = "outsider" if result.keep_in_failed else "ignored"
    inbound.reason = result.reason[:2000]
    log.info("ignored %s from %s: %s", inbound.message_key, inbound.sender, result.reason)
    _record_bounce(session, settings, result, now)
    return Outcome.FAILED if result.keep_in_failed else Outcome.PROCESSED


def open_escalation(session: Session, settings: Settings, intake: Intake,
                    now: datetime) -> Escalation:
    env = intake.envelope
    severity = intake.severity or settings.default_severity
    targets = targets_for(settings.policy, severity, now)
    csm = env.sender
    esc = Escalation(
        account=intake.account, summary=intake.summary, issue=intake.issue or intake.summary,
        severity=severity, risk_level=intake.risk_level, type=intake.type,
        category=intake.category, status="open", csm=csm, owner=csm,
        rung=targets.first_rung, timeline=intake.timeline,
        call_recording=intake.call_recording, description=intake.description,
        business_impact=intake.business_impact, actions_taken=list(intake.actions_taken),
        ask=list(intake.ask), links=list(intake.links), steps=list(intake.steps),
        stakeholders=[], extra={},
        opened_at=now, response_due_at=targets.response_due_at,
        resolution_due_at=targets.resolution_due_at, response_breaches=0,
        resolution_breaches=0, paused_seconds=0, source_message_id=env.message_id,
        thread_root="",
    )
    session.add(esc)
    session.flush()  # the id goes into every Message-ID
    new_escalation(session, esc)
    account = link_escalation(session, esc, now)  # before the ladder: the team's rungs
    # the account's team; for an account not in the directory, the CSM's team
    esc.team = account.team or csm_team(session, csm) or None
    first = rung_addresses(settings, esc, targets.first_rung)
    owner = _owner(intake, settings) or (first[0] if first else csm)
    esc.owner = owner
    colleagues = [a for a in (*env.to, *env.cc) if _internal(a, settings)]
    contacts = category_contacts(settings, esc.category)
    # seed 002: a critical escalation goes to the VP with the executive informed
    informed_rungs = [a for rung in settings.severities[severity].inform
                      for a in rung_addresses(settings, esc, rung)]
    add_stakeholders(esc, settings, [csm, owner, *first, *colleagues, *contacts,
                                     *informed_rungs])
    reschedule(esc, settings, now)
    session.add(Notice(escalation_id=esc.id, target="new", rung=targets.first_rung,
                       due_at=now, sent_at=now))
    events.add(session, esc, now, "opened", csm,
               f"severity {severity}, first rung {targets.first_rung}, "
               f"response due {targets.response_due_at:%Y-%m-%d %H:%M} UTC")
    ack = enqueue(session, settings, kind="ack", now=now, to=[csm], esc=esc,
                  in_reply_to=env.message_id, context={"intake": intake, "notes": intake.notes,
                                                   "account": account})
    assert ack is not None
    esc.thread_root = ack.message_id
    notified = enqueue(session, settings, kind="new", now=now, to=dedupe(first, [csm]),
                       cc=[*contacts, *informed_rungs], esc=esc)
    if notified is not None:
        events.add(session, esc, now, "notified", "escalator",
                   f"{targets.first_rung}: {', '.join(notified.to_addrs)}")
    elif targets.first_rung != "csm":
        events.add(session, esc, now, "notified", "escalator",
                   f"{targets.first_rung}: no address configured in [ladder]")
    informed = dedupe(colleagues, [csm], first, contacts, informed_rungs)
    if informed:
        enqueue(session, settings, kind="recap", now=now, to=informed, esc=esc,
                context={"changes": ["opened"], "actor": csm, "problems": []})
    return esc


def _owner(intake: Intake, settings: Settings) -> str | None:
    owner = intake.owner.strip().lower()
    return owner if "@" in owner and _internal(owner, settings) else None


def _internal(address: str, settings: Settings) -> bool:
    return is_internal(address, settings.internal_domains)


def _reject(session: Session, settings: Settings, env: parser.result.Envelope, now: datetime,
            problems: list[parser.result.Problem]) -> None:
    """Answer a colleague's unusable message (within the loop breaker's allowance)."""
    answer(session, settings, kind="rejection", to=env.sender, now=now,
           in_reply_to=env.message_id, context={"envelope": env, "problems": problems})


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
