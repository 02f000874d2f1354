"""The post-escalation review: asked of the CSM and the owner when an escalation is done,
answered by reply (`Satisfied: yes|no`, `Root cause: ...`, `Prevention: ...`), reminded
after [review] remind_after, at most max_reminders times, by `review_sweep`.

The answers are commands of the registry (parser/commands/satisfied.py, root_cause.py,
prevention.py), read from a reply's whole new text by parser.commands.read_answers and
applied, after the reply's other commands, by service/commands/ of the same names.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalator.db import Database, is_postgres
from escalator.service import events, faults
from escalator.service.outbox import enqueue
from escalator.service.recipients import dedupe
from escalator.settings import Settings
from models import Escalation, Review
from parser.commands.answers import Answers, read_answers
from parser.result import Command

__all__ = ["Answers", "finish", "missing", "of", "read_answers", "request", "review_sweep",
           "without_answers"]

TEXT = 4000  # an answer is kept to this many characters
BATCH = 200


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


def of(session: Session, esc: Escalation, actor: str) -> Review:
    """The escalation's review, begun if need be, as answered by `actor` (the applies of
    the answer commands, service/commands/satisfied.py etc., write into it)."""
    review = session.get(Review, esc.id) or _new(session, esc)
    review.answered_by = actor
    return review


def finish(session: Session, esc: Escalation, actor: str, now: datetime) -> list[str]:
    """After answers were applied: the review is complete once all three are in."""
    review = session.get(Review, esc.id)
    if review is None or missing(review) or review.completed_at is not None:
        return []
    review.completed_at, review.next_reminder_at = now, None
    events.add(session, esc, now, "review", actor, "review complete")
    return ["review complete"]


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
