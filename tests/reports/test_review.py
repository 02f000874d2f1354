"""The post-escalation review on SQLite and PostgreSQL: requested when done, answered by
reply, reminded at most [review] max_reminders times, and shown in the report."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.service.reports import build_report
from escalator.service.review import read_answers, review_sweep
from models import Event, OutboxMessage, Review
from tests.reports.sample import CSM, T0, populate, reply_mail

DONE_2 = T0 + timedelta(hours=11)  # when sample.py closes ESC-2 (owner: the director)


def outbox(db: Database, kind: str, number: int) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == kind, OutboxMessage.escalation_id == number)
            .order_by(OutboxMessage.id)))


def test_done_asks_csm_and_owner_once(database_url: str) -> None:
    db, _ = populate(database_url)
    [request] = outbox(db, "review_request", 2)
    assert request.to_addrs == [CSM, "dan.director@example.com"]
    assert "[ESC-2]" in request.subject and "Satisfied: yes" in request.text_body
    assert "status open → done" in request.text_body or "→ done" in request.text_body
    # the same event: no recap of it to those asked for the review
    last_recap = outbox(db, "recap", 2)[-1]
    assert CSM not in last_recap.to_addrs
    db.dispose()


def test_answers_are_recorded_and_complete_the_review(database_url: str) -> None:
    db, s = populate(database_url)
    body = ("Satisfied: yes\nRoot cause: expired SSO certificate\n"
            "Prevention: certificate expiry monitoring\nThanks all, closing the loop.")
    handle_message(db, s, reply_mail(db, 2, "dan.director@example.com", body),
                   DONE_2 + timedelta(days=1))
    with db.transaction() as session:
        review = session.get(Review, 2)
        assert review is not None
        assert (review.satisfied, review.root_cause, review.prevention) == (
            True, "expired SSO certificate", "certificate expiry monitoring")
        assert review.completed_at is not None and review.next_reminder_at is None
        notes = list(session.scalars(select(Event.detail).where(
            Event.escalation_id == 2, Event.kind == "note")))
        assert notes == ["note: Thanks all, closing the loop."]  # answers kept out of it
        report = build_report(session, DONE_2 + timedelta(days=2))["review"]
    assert report["requested"] == 2 and report["completed"] == 1
    assert report["completion_rate"] == 0.5 and report["satisfaction_rate"] == 1.0
    assert report["root_causes_by_category"] == {
        "Product": [{"root_cause": "expired SSO certificate", "count": 1}]}
    # nothing more to remind of for ESC-2
    review_sweep(db, s, DONE_2 + timedelta(days=30))
    assert outbox(db, "review_reminder", 2) == []
    db.dispose()


def test_reminders_after_remind_after_up_to_the_limit(database_url: str) -> None:
    db, s = populate(database_url)
    assert review_sweep(db, s, DONE_2 + timedelta(days=3) - timedelta(minutes=1)) == 0
    assert review_sweep(db, s, DONE_2 + timedelta(days=3)) == 1
    assert review_sweep(db, s, DONE_2 + timedelta(days=3, minutes=5)) == 0  # once
    # a partial answer: still reminded, of what is missing
    handle_message(db, s, reply_mail(db, 2, CSM, "Satisfied: no"), DONE_2 + timedelta(days=4))
    # ESC-2's second and last, and the first for ESC-5 (done on T0 + 2 days)
    assert review_sweep(db, s, DONE_2 + timedelta(days=6)) == 2
    assert review_sweep(db, s, DONE_2 + timedelta(days=60)) == 1  # ESC-5's second
    assert review_sweep(db, s, DONE_2 + timedelta(days=90)) == 0  # max_reminders = 2
    first, second = outbox(db, "review_reminder", 2)
    assert "Satisfied, Root cause, Prevention" in first.text_body
    assert "Root cause, Prevention" in second.text_body and "last reminder" in second.text_body
    db.dispose()


def test_unreadable_satisfied_is_answered() -> None:
    answers = read_answers("Satisfied: maybe\nRoot cause:\n  the nightly job\n  ran twice\n\nbye")
    assert answers.satisfied is None
    assert answers.root_cause == "the nightly job ran twice"
    assert answers.problems == ("Satisfied: 'maybe' — answer yes or no",)
    assert read_answers("* **Customer satisfied:** No.").satisfied is False
    assert not read_answers("Status: done\nNote: all good")
