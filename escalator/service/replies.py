"""Apply a colleague's reply: its commands change the record; everyone hears once, in a recap."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from escalator.service import events, review
from escalator.service.accounts import csm_team, link_escalation
from escalator.service.answers import answer
from escalator.service.outbox import enqueue
from escalator.service.recipients import (
    add_people,
    add_stakeholders,
    dedupe,
    left_out_problem,
    may_take_part,
    rung_addresses,
)
from escalator.service.state import reschedule
from escalator.settings import Settings
from escalator.sla import resume, retarget, rung_index
from models import Escalation, EscalationAccount, Notice
from parser.result import Command, Reply

MAX_PROBLEMS = 10  # listed in one answer; the rest are counted


def apply_reply(session: Session, settings: Settings, esc: Escalation, reply: Reply,
                now: datetime) -> list[str]:
    """Apply each command of a reply in order; return what changed, as sentences."""
    return apply_commands(session, settings, esc, reply.commands, reply.envelope.sender, now,
                          text=reply.text, problems=[str(p) for p in reply.problems])


def apply_commands(session: Session, settings: Settings, esc: Escalation,
                   commands: Sequence[Command], actor: str, now: datetime, *,
                   via: str = "email", text: str = "",
                   problems: Sequence[str] = ()) -> list[str]:
    """The one path every change by a person takes (a reply, an action link, the dashboard):
    apply each command in order, one audit event each (naming `via` unless it is email),
    then one recap to everyone; return what changed, as sentences for the recap.

    `text` is a reply's new text, read for review answers; `problems` are the parser's."""
    refused: list[str] = []  # what this layer will not apply: said in the answer
    _say(refused, left_out_problem(esc, settings, add_people(esc, settings, [actor])))
    changes: list[str] = []
    notified: list[str] = []
    answers = review.read_answers(text)  # not commands to the parser: read them here
    before = esc.status
    suffix = "" if via == "email" else f" (via {via})"
    for command in _one_owner(review.without_answers(tuple(commands), answers), refused):
        change = _apply(session, settings, esc, command, actor, now, notified, refused)
        if change:
            changes.append(change)
            events.add(session, esc, now, command.name, actor, change + suffix)
    changes.extend(review.record(session, esc, answers, actor, now))
    if before != "done" and esc.status == "done":
        # CSM and owner hear of it in the review request: no recap of the same event
        notified.extend(review.request(session, settings, esc, now, changes))
    reschedule(esc, settings, now)
    problems = _bounded([*problems, *answers.problems, *refused])
    if changes:
        # the sender hears too, even when the stakeholder bound left them out
        enqueue(session, settings, kind="recap", now=now,
                to=dedupe([*esc.stakeholders, actor], notified), esc=esc,
                context={"changes": changes, "actor": actor, "problems": problems})
    elif problems:
        answer(session, settings, kind="confirmation", to=actor, now=now, esc=esc,
               context={"changes": [], "actor": actor, "problems": problems})
    return changes


def _apply(session: Session, settings: Settings, esc: Escalation, c: Command, actor: str,
           now: datetime, notified: list[str], refused: list[str]) -> str | None:
    if c.name == "ack":
        return _acknowledge(esc, now, actor)
    if c.name == "status":
        return _status(settings, esc, c.value, now, actor)
    if c.name == "severity":
        return _severity(session, settings, esc, int(c.value), now, notified)
    if c.name == "owner":
        return _owner(settings, esc, c.value.lower(), refused)
    if c.name == "steps":
        esc.steps = [*esc.steps, c.value]
        return f"step to resolve added: {c.value}"
    if c.name == "type":
        esc.type = c.value
        return f"type set to {c.value}"
    if c.name == "category":
        esc.category = c.value
        return f"category set to {c.value}"
    if c.name == "links":
        esc.links = [*esc.links, *c.value.split()]
        return f"links added: {c.value}"
    if c.name == "note":
        return f"note: {c.value}"
    if c.name == "account":
        return _account(session, esc, c.value, now)
    return None


def _say(refused: list[str], problem: str | None) -> None:
    if problem:
        refused.append(problem)


def _bounded(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"… and {len(problems) - MAX_PROBLEMS} more problems"]


def _one_owner(commands: tuple[Command, ...] | list[Command],
               refused: list[str]) -> list[Command]:
    """One owner per reply: the first Owner: line counts, a second is a problem."""
    owners = [c for c in commands if c.name == "owner"]
    if len(owners) > 1:
        refused.append(f"Owner: given {len(owners)} times in one reply; only the first "
                       f"({owners[0].value}) counts: one owner per reply")
    return [c for c in commands if c.name != "owner" or c is owners[0]]


def _owner(settings: Settings, esc: Escalation, address: str, refused: list[str]) -> str | None:
    if not may_take_part(address, settings):
        refused.append(f"Owner: '{address}' — not a colleague's address, so the owner stays "
                       f"{esc.owner} (an owner is in an internal domain or on "
                       "[organization] allowed_external)")
        return None
    esc.owner = address
    _say(refused, left_out_problem(esc, settings, add_people(esc, settings, [address])))
    return f"owner set to {address}"


def _account(session: Session, esc: Escalation, typed: str, now: datetime) -> str | None:
    """Re-link to the account directory as intake does; the account's team climbs."""
    before = esc.account
    link = session.get(EscalationAccount, esc.id)
    if link is not None:
        session.delete(link)
        session.flush()  # one link row per escalation: the old one goes first
    esc.account = typed
    found = link_escalation(session, esc, now)
    esc.team = found.team or csm_team(session, esc.csm) or None
    if esc.account == before:
        return None
    return f"account {before} → {esc.account}"


def _acknowledge(esc: Escalation, now: datetime, actor: str) -> str | None:
    if esc.acknowledged_at is not None:
        return None
    esc.acknowledged_at = now
    return f"acknowledged by {actor}"


def _status(settings: Settings, esc: Escalation, status: str, now: datetime,
            actor: str) -> str | None:
    if status == esc.status:
        return None
    before = esc.status
    if before == "waiting" and esc.paused_at is not None:
        r = resume(settings.policy, esc.severity, esc.paused_at, now, esc.response_due_at,
                   esc.resolution_due_at)
        esc.response_due_at, esc.resolution_due_at = r.response_due_at, r.resolution_due_at
        esc.paused_seconds += int(r.waited.total_seconds())
        esc.paused_at = None
    if status == "waiting":
        esc.paused_at = now
    if status in ("working", "done") and esc.acknowledged_at is None:
        esc.acknowledged_at = now  # acting on it is an acknowledgement
    esc.resolved_at = now if status == "done" else None
    esc.status = status
    return f"status {before} → {status}"


def _severity(session: Session, settings: Settings, esc: Escalation, severity: int,
              now: datetime, notified: list[str]) -> str | None:
    if severity == esc.severity:
        return None
    before = esc.severity
    # a pause still running is not counted here: its resume counts it, once
    targets = retarget(settings.policy, before, severity, esc.opened_at, esc.response_due_at)
    esc.severity = severity
    esc.response_due_at = targets.response_due_at
    esc.resolution_due_at = targets.resolution_due_at
    change = f"severity {before} → {severity}"
    if rung_index(targets.first_rung) > rung_index(esc.rung):
        # a rise above the current rung notifies that rung at once; a fall un-notifies nobody
        esc.rung = targets.first_rung
        people = rung_addresses(settings, esc, targets.first_rung)
        session.add(Notice(escalation_id=esc.id, target="new", rung=targets.first_rung,
                           due_at=now, sent_at=now))
        add_stakeholders(esc, settings, people)
        if enqueue(session, settings, kind="new", now=now, to=people, esc=esc) is not None:
            notified.extend(people)
        change += f"; {targets.first_rung} notified"
    return change
