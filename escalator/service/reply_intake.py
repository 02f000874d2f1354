"""A reply, from the parser to the records it changes.

Before anything is applied, the reply's new text is cut where the email it answers
begins: that email is in our outbox (named by In-Reply-To/References), so its text, found
however the client quoted it, is never read as commands. A line may name its escalation
("ESC-12: ack"); a reply to a digest, which lists several, must.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalator.service.answers import answer, looping
from escalator.service.replies import apply_reply
from escalator.settings import Settings
from mailer.outcome import Outcome
from models import Escalation, Inbound, OutboxMessage
from models.escalation import MAX_ID
from parser.reply import sent_texts, without_our_text
from parser.result import Command, Problem, Reply

_TAGS = re.compile(r"\[ESC-(\d{1,12})\]", re.I)
RECENT = 3  # our latest emails on the escalation, tried when the headers name none of ours
DIGEST_HOW = ("this reply answers the daily digest, which lists several escalations: start "
              "each line with the one it is for, e.g. 'ESC-12: ack' or 'ESC-12 Status: working'")


def _answered(session: Session, reply: Reply) -> tuple[list[OutboxMessage], bool]:
    """Our emails the reply names, and whether the one it answers is a digest."""
    env = reply.envelope
    ids = list(dict.fromkeys(i.strip("<>") for i in (*env.in_reply_to, *env.references)))
    rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.message_id.in_(ids))))
    if not rows:
        rows = list(session.scalars(
            select(OutboxMessage).where(OutboxMessage.escalation_id == reply.escalation_id)
            .order_by(OutboxMessage.id.desc()).limit(RECENT)))
    by_id = {row.message_id: row for row in rows}
    answered = next((by_id[i.strip("<>")] for i in (*env.in_reply_to,
                                                    *reversed(env.references))
                     if i.strip("<>") in by_id), None)
    if answered is None:  # the client dropped the headers: a subject naming several is a digest's
        return rows, len(set(_TAGS.findall(env.subject))) >= 2
    return rows, answered.kind == "digest"


def our_text_cut(session: Session, reply: Reply) -> tuple[Reply, bool]:
    """The reply without any line of the emails of ours it quotes; True for a digest."""
    rows, digest = _answered(session, reply)
    texts = [t for row in rows for t in sent_texts(row.text_body, row.html_body)]
    return without_our_text(reply, texts), digest


def handle_reply(session: Session, settings: Settings, reply: Reply, inbound: Inbound,
                 now: datetime) -> Outcome:
    reply, digest = our_text_cut(session, reply)
    groups, problems = _groups(reply, digest)
    primary = next(iter(groups), reply.escalation_id)
    target = _escalation(session, primary)
    if target is None:
        inbound.outcome, inbound.reason = "rejected", f"ESC-{primary} not found"
        _unknown(session, settings, reply, primary, now)
        return Outcome.FAILED
    inbound.escalation_id = target.id
    if not (reply.commands or reply.problems or reply.text.strip()):
        # nothing above the quoted history: a quoted command is no command (no stakeholder
        # added, no confirmation); listed by `escalator ignored`
        inbound.outcome, inbound.reason = "ignored", "reply with no new text above the quote"
        return Outcome.PROCESSED
    if looping(session, inbound, reply, now):  # a robot answering every recap
        return Outcome.PROCESSED
    inbound.outcome = "reply"
    if digest and not groups:
        answer(session, settings, kind="confirmation", to=reply.envelope.sender, now=now,
               esc=target, context={"changes": [], "actor": reply.envelope.sender,
                                    "problems": [*problems, *map(str, reply.problems)]})
        return Outcome.PROCESSED
    first = True
    for number, found in groups.items():
        esc = target if number == target.id else _escalation(session, number)
        if esc is None:
            _unknown(session, settings, reply, number, now)
            continue
        part = replace(reply, escalation_id=number, commands=tuple(found),
                       problems=(*reply.problems, *(Problem("digest", p) for p in problems))
                       if first else (), text=reply.text if first and not digest else "")
        apply_reply(session, settings, esc, part, now)
        first = False
    return Outcome.PROCESSED


def _escalation(session: Session, number: int) -> Escalation | None:
    """The row, locked until commit: a concurrent reply or sweep waits, then reads what
    this one wrote (SQLite's BEGIN IMMEDIATE serializes)."""
    if number > MAX_ID:  # ESC-99999999999999999999
        return None
    return session.get(Escalation, number, with_for_update=True, populate_existing=True)


def _groups(reply: Reply, digest: bool) -> tuple[dict[int, list[Command]], list[str]]:
    """The commands per escalation: the one a line names, else (not for a digest) the
    reply's own. For a digest, what each unnamed line lacks."""
    groups: dict[int, list[Command]] = {}
    problems: list[str] = []
    if not digest:
        groups[reply.escalation_id] = []
    for c in reply.commands:
        number = c.escalation if c.escalation is not None else (
            None if digest else reply.escalation_id)
        if number is None:
            problems.append(f"'{c.line[:120]}' — {DIGEST_HOW}")
            continue
        groups.setdefault(number, []).append(c)
    if digest and not reply.commands and (reply.text.strip() or reply.problems):
        problems.append(DIGEST_HOW)
    return groups, problems


def _unknown(session: Session, settings: Settings, reply: Reply, number: int,
             now: datetime) -> None:
    answer(session, settings, kind="rejection", to=reply.envelope.sender, now=now,
           in_reply_to=reply.envelope.message_id,
           context={"envelope": reply.envelope, "problems": [Problem(
               f"ESC-{number}", "no such escalation; check the number in the subject")]})

