"""New escalations from a batch of intake emails: each table written once for the batch.

Per batch: one query for the accounts (stubs for unknown names written together), one for
the CSMs' teams, one INSERT … RETURNING for the escalations (their ids go into every
Message-ID), one for the account links; the notices, events and outbox rows are then
added and go out with the batch's flush, one multi-row INSERT per table. Whatever is
decided about one escalation (ladder, owner, stakeholders, what it is told) is decided in
`_plan`, `opening.on_open` (revenue rules, tasks), `_people` and `_announce`, one
escalation at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr

from sqlalchemy import insert
from sqlalchemy.orm import Session

import parser
from escalator.service import events, opening
from escalator.service.accounts import AccountLink, csm_teams, find_accounts
from escalator.service.failures import referable
from escalator.service.outbox import enqueue, new_escalation
from escalator.service.recipients import (
    add_people,
    add_stakeholders,
    category_contacts,
    dedupe,
    left_out_problem,
    may_take_part,
    rung_addresses,
)
from escalator.service.state import reschedule
from escalator.service.views import attachment_records
from escalator.settings import Settings
from escalator.sla import Targets, targets_for
from models import Escalation, EscalationAccount, Notice
from parser.result import Intake, Problem


@dataclass
class Opening:
    """One escalation being opened and what its first emails need to know."""

    intake: Intake
    account: AccountLink
    targets: Targets
    esc: Escalation
    first: list[str] = field(default_factory=list)  # the first rung's people
    named: str | None = None  # an ESCALATION OWNER given at intake, when a colleague's
    contacts: list[str] = field(default_factory=list)  # the category's
    informed_rungs: list[str] = field(default_factory=list)
    colleagues: list[str] = field(default_factory=list)  # To/Cc made stakeholders
    notes: list[Problem] = field(default_factory=list)  # for the acknowledgement


def open_escalations(session: Session, settings: Settings, intakes: Sequence[Intake],
                     now: datetime) -> list[Escalation]:
    """One escalation per intake, in order, with its account link, notice, events and
    first emails in the outbox (not yet flushed)."""
    if not intakes:
        return []
    links = find_accounts(session, [i.account for i in intakes], now)
    # the account's team; for an account not in the directory, the CSM's team
    teams = csm_teams(session, {i.envelope.sender for i, a in zip(intakes, links, strict=True)
                                if not a.team})
    openings = [_plan(settings, intake, link, teams, now)
                for intake, link in zip(intakes, links, strict=True)]
    session.add_all([o.esc for o in openings])
    session.flush()  # one INSERT for the batch: the ids go into every Message-ID
    session.execute(insert(EscalationAccount), [
        {"escalation_id": o.esc.id, "account_id": o.account.account_id} for o in openings])
    for o in openings:
        new_escalation(session, o.esc)
        _, o.targets = opening.on_open(session, settings, o.esc, o.targets, now)  # rules, tasks
        _people(settings, o, now)
        # an ORM row, flushed with the batch: the logbook logs notices as they are flushed
        session.add(Notice(escalation_id=o.esc.id, target="new", rung=o.targets.first_rung,
                           due_at=now, sent_at=now))
        _announce(session, settings, o, now)
    return [o.esc for o in openings]


def _plan(settings: Settings, intake: Intake, account: AccountLink, teams: dict[str, str],
          now: datetime) -> Opening:
    """The escalation row, before it has an id."""
    env = intake.envelope
    severity = intake.severity or settings.default_severity
    targets = targets_for(settings.policy, severity, now)
    csm = env.sender
    esc = Escalation(
        account=account.name, summary=intake.summary, issue=intake.issue or intake.summary,
        severity=severity, risk_level=intake.risk_level, type=intake.type,
        category=intake.category, status="open", csm=csm, owner=csm,
        rung=targets.first_rung, timeline=intake.timeline,
        call_recording=intake.call_recording, description=intake.description,
        business_impact=intake.business_impact, actions_taken=list(intake.actions_taken),
        ask=list(intake.ask), links=list(intake.links), steps=list(intake.steps),
        stakeholders=[], extra={"attachments": attachment_records(intake.attachments)},
        opened_at=now, response_due_at=targets.response_due_at,
        resolution_due_at=targets.resolution_due_at, response_breaches=0,
        resolution_breaches=0, paused_seconds=0,
        source_message_id=referable(env.message_id) or "",  # what our emails refer to
        thread_root="", team=account.team or teams.get(csm.lower()) or None,
    )
    return Opening(intake, account, targets, esc)


def _people(settings: Settings, o: Opening, now: datetime) -> None:
    """The ladder and the people, once the revenue rules have had their say."""
    esc, env, csm, targets = o.esc, o.intake.envelope, o.esc.csm, o.targets
    o.first = rung_addresses(settings, esc, targets.first_rung)
    o.named, o.notes = _owner(o.intake, settings)
    esc.owner = o.named or (o.first[0] if o.first else csm)
    o.contacts = category_contacts(settings, esc.category)
    # seed 002: a critical escalation goes to the VP with the executive informed
    o.informed_rungs = [a for rung in settings.severities[esc.severity].inform
                        for a in rung_addresses(settings, esc, rung)]
    add_people(esc, settings, [csm, esc.owner])
    add_stakeholders(esc, settings, [*o.first, *o.contacts, *o.informed_rungs])
    # colleagues on To/Cc, up to [organization] max_stakeholders (the CSM hears of the rest)
    left_out = add_people(esc, settings, [a for a in (*env.to, *env.cc)
                                          if may_take_part(a, settings)])
    o.colleagues = [a for a in (*env.to, *env.cc) if a in esc.stakeholders]
    if (problem := left_out_problem(esc, settings, left_out)) is not None:
        name, _, message = problem.partition(": ")
        o.notes.append(Problem(name, message))
    reschedule(esc, settings, now)


def _announce(session: Session, settings: Settings, o: Opening, now: datetime) -> None:
    """The trail, the acknowledgement and the first-rung email."""
    esc, targets, csm = o.esc, o.targets, o.esc.csm
    events.add(session, esc, now, "opened", csm,
               f"severity {esc.severity}, first rung {targets.first_rung}, "
               f"response due {targets.response_due_at:%Y-%m-%d %H:%M} UTC")
    ack = enqueue(session, settings, kind="ack", now=now, to=[csm], esc=esc,
                  in_reply_to=referable(o.intake.envelope.message_id),
                  context={"intake": o.intake, "notes": [*o.intake.notes, *o.notes],
                           "account": o.account})
    assert ack is not None
    esc.thread_root = ack.message_id
    # an ESCALATION OWNER named at intake hears of it with the first rung
    notified = enqueue(session, settings, kind="new", now=now,
                       to=dedupe([*o.first, *([o.named] if o.named else [])], [csm]),
                       cc=[*o.contacts, *o.informed_rungs], esc=esc)
    if notified is not None:
        events.add(session, esc, now, "notified", "escalator",
                   f"{targets.first_rung}: {', '.join(notified.to_addrs)}")
    elif targets.first_rung != "csm":
        events.add(session, esc, now, "notified", "escalator",
                   f"{targets.first_rung}: no address configured in [ladder]")
    informed = dedupe(o.colleagues, [csm], o.first, [o.named or ""], o.contacts,
                      o.informed_rungs)
    if informed:
        enqueue(session, settings, kind="recap", now=now, to=informed, esc=esc,
                context={"changes": ["opened"], "actor": csm, "problems": []})


def _owner(intake: Intake, settings: Settings) -> tuple[str | None, list[Problem]]:
    """The ESCALATION OWNER's address when a colleague's; else None and why, for the ack."""
    text = intake.owner.strip()
    if not text:
        return None, []
    owner = parseaddr(text)[1].lower()
    if "@" in owner and may_take_part(owner, settings):
        return owner, []
    why = ("not a colleague's address (an internal domain or [organization] allowed_external)"
           if "@" in owner else "no e-mail address (write name@domain)")
    return None, [parser.result.Problem("Escalation Owner", f"'{text[:200]}' — {why}; "
                                        "the first rung's contact owns it until a reply "
                                        "says Owner: name@domain")]
