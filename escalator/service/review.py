"""The post-escalation review: asked of the CSM and the owner when an escalation is done,
answered by reply (`Satisfied: yes|no`, `Root cause: ...`, `Prevention: ...`), reminded
after [review] remind_after, at most max_reminders times, by `review_sweep`.

The answers are read from the reply's new text (Reply.text) here, not by the parser:
to the parser they are free text, which would otherwise become a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalator.db import Database, is_postgres
from escalator.service import events, faults
from escalator.service.outbox import enqueue
from escalator.service.recipients import dedupe
from escalator.settings import Settings
from models import Escalation, Review
from parser.result import Command

_LABEL = re.compile(
    r"^\s*(?:[•●◦▪\-*+]\s+)?[*_]*(?P<label>satisfied|customer\s+satisfied|root[\s-]*cause|"
    r"prevention|what\s+would\s+have\s+prevented\s+it\??)[*_]*\s*[:：=]\s*[*_]*(?P<value>.*)$",
    re.I,
)
_YES = {"yes", "y", "true", "satisfied"}
_NO = {"no", "n", "false", "not satisfied", "unsatisfied"}
BATCH = 200


@dataclass(frozen=True)
class Answers:
    satisfied: bool | None = None
    root_cause: str | None = None
    prevention: str | None = None
    lines: tuple[str, ...] = ()  # the lines they came from, to keep them out of the note
    problems: tuple[str, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.satisfied, self.root_cause, self.prevention))


def read_answers(text: str) -> Answers:
    """The review answers in a reply's new text. A label with nothing after it takes the
    following lines, until a blank line or another label."""
    found: dict[str, str] = {}
    lines: list[str] = []
    problems: list[str] = []
    current: str | None = None
    for raw in text.splitlines():
        m = _LABEL.match(raw)
        if m:
            label = m.group("label").lower()
            current = ("satisfied" if "satisf" in label else
                       "root_cause" if label.startswith("root") else "prevention")
            found[current] = m.group("value").strip().strip("*_").strip()
            lines.append(raw)
            if found[current]:
                current = None  # the value is on its line: what follows is not part of it
        elif current and raw.strip() and current != "satisfied":
            found[current] = (found[current] + " " + raw.strip()).strip()
            lines.append(raw)
        else:
            current = None
    satisfied: bool | None = None
    if "satisfied" in found:
        word = found["satisfied"].lower().rstrip(".!")
        if word in _YES or word in _NO:
            satisfied = word in _YES
        else:
            problems.append(f"Satisfied: '{found['satisfied']}' — answer yes or no")
    return Answers(satisfied, found.get("root_cause") or None, found.get("prevention") or None,
                   tuple(lines), tuple(problems))


def without_answers(commands: tuple[Command, ...], answers: Answers) -> tuple[Command, ...]:
    """The reply's commands with the answer lines taken out of its note."""
    if not answers.lines:
        return commands
    drop = {line.strip() for line in answers.lines}
    kept: list[Command] = []
    for c in commands:
        if c.name == "note":
            text = "\n".join(x for x in c.value.split("\n") if x.strip() not in drop).strip()
            if not text:
                continue
            c = Command("note", text, text.split("\n")[0])
        kept.append(c)
    return tuple(kept)


def missing(review: Review) -> list[str]:
    return [label for label, value in (("Satisfied", review.satisfied),
                                       ("Root cause", review.root_cause),
                                       ("Prevention", review.prevention)) if value is None]


def record(session: Session, esc: Escalation, answers: Answers, actor: str,
           now: datetime) -> list[str]:
    """Store the answers given; the review is complete once all three are in."""
    if not answers:
        return []
    review = session.get(Review, esc.id) or _new(session, esc)
    changes = []
    if answers.satisfied is not None:
        review.satisfied = answers.satisfied
        changes.append(f"review: customer satisfied: {'yes' if answers.satisfied else 'no'}")
    if answers.root_cause:
        review.root_cause = answers.root_cause[:4000]
        changes.append(f"review: root cause: {answers.root_cause}")
    if answers.prevention:
        review.prevention = answers.prevention[:4000]
        changes.append(f"review: prevention: {answers.prevention}")
    review.answered_by = actor
    if not missing(review) and review.completed_at is None:
        review.completed_at, review.next_reminder_at = now, None
        changes.append("review complete")
    for change in changes:
        events.add(session, esc, now, "review", actor, change)
    return changes


def request(session: Session, settings: Settings, esc: Escalation, now: datetime,
            changes: list[str]) -> list[str]:
    """Ask the CSM and owner for the review (once per escalation); who was asked."""
    review = session.get(Review, esc.id) or _new(session, esc)
    if review.requested_at is not None or review.completed_at is not None:
        return []
    review.requested_at = now
    if settings.review.max_reminders > 0:
        review.next_reminder_at = now + settings.review.remind_after
    people = dedupe([esc.csm, esc.owner])
    row = enqueue(session, settings, kind="review_request", now=now, to=people, esc=esc,
                  context={"changes": changes, "missing": missing(review)})
    if row is None:
        return []
    events.add(session, esc, now, "review", "escalator",
               f"review requested from {', '.join(row.to_addrs)}")
    return list(row.to_addrs)


def _new(session: Session, esc: Escalation) -> Review:
    review = Review(escalation_id=esc.id, reminders=0)
    session.add(review)
    return review


def review_sweep(db: Database, settings: Settings, now: datetime,
                 failed: list[int] | None = None) -> int:
    """Send every review reminder due at `now`; return how many went out.

    Each reminder is written in its own savepoint: one that fails is rolled back, put off
    with backoff and recorded as a "fault" event (service.faults); its escalation's id is
    appended to `failed`, and the other reminders go out."""
    sent = 0
    while True:
        with db.transaction() as session:
            query = (select(Review).where(Review.next_reminder_at <= now,
                                          Review.completed_at.is_(None))
                     .order_by(Review.next_reminder_at).limit(BATCH))
            if is_postgres(session):
                query = query.with_for_update(skip_locked=True)
            due = list(session.scalars(query))
            for review in due:
                sent += _remind_isolated(session, settings, review, now, failed)
        if len(due) < BATCH:
            return sent


def _remind_isolated(session: Session, settings: Settings, review: Review, now: datetime,
                     failed: list[int] | None) -> int:
    esc = session.get(Escalation, review.escalation_id)
    if esc is None:
        return _remind(session, settings, review, now)
    try:
        with faults.isolated(session, esc):
            sent = _remind(session, settings, review, now)
            faults.clear(esc, "review reminder")
            return sent
    except Exception as e:
        if not faults.is_own_fault(e):
            raise
        error = e
    review.next_reminder_at = faults.record(session, esc, now, "review reminder", error)
    if failed is not None:
        failed.append(esc.id)
    return 0


def _remind(session: Session, settings: Settings, review: Review, now: datetime) -> int:
    esc = session.get(Escalation, review.escalation_id)
    review.reminders += 1
    last = review.reminders >= settings.review.max_reminders
    review.next_reminder_at = None if last else now + settings.review.remind_after
    if esc is None:
        return 0
    row = enqueue(session, settings, kind="review_reminder", now=now,
                  to=dedupe([esc.csm, esc.owner]), esc=esc,
                  context={"missing": missing(review), "number": review.reminders,
                           "last": last})
    if row is None:
        return 0
    events.add(session, esc, now, "review", "escalator",
               f"review reminder {review.reminders} to {', '.join(row.to_addrs)}")
    return 1
