"""The loop breaker tells a robot's repeated reply from a colleague's new ones."""

from __future__ import annotations

from sqlalchemy import select

from escalator.db import Database
from escalator.service.intake import handle_message
from models import Event, Inbound
from tests.escalator.test_service import SETTINGS, T0, H, email


def _notes(db: Database) -> list[str]:
    with db.transaction() as s:
        return [e.detail for e in s.scalars(select(Event).where(Event.kind == "note"))]


def _reply(db: Database, body: str, n: int, minutes: int) -> None:
    handle_message(db, SETTINGS, email(body, subject="Re: [ESC-1] recap",
                                       sender="dir@example.com", n=n), T0 + minutes * H / 60)


def test_new_words_are_applied_the_same_words_a_third_time_are_not(db: Database) -> None:
    handle_message(db, SETTINGS, email("Issue: outage"), T0)
    for n, body in enumerate(["Called them.", "Called them again.", "Sent the fix."], 2):
        _reply(db, body, n, n)
    assert len(_notes(db)) == 3  # different words: all applied
    for n in range(5, 9):  # the same words, another ticket number each time
        _reply(db, f"Ticket #{n * 1000} logged, thank you!", n, 10 + n)
    assert len(_notes(db)) == 5
    with db.transaction() as s:
        reasons = [i.reason for i in s.scalars(select(Inbound).where(Inbound.outcome ==
                                                                     "ignored"))]
    assert reasons == ["loop: the same reply 3 times within an hour to ESC-1; not applied",
                       "loop: the same reply 4 times within an hour to ESC-1; not applied"]
    _reply(db, "Ticket #9 logged, thank you!", 9, 120)  # an hour later: applied again
    assert len(_notes(db)) == 6


def test_commands_that_differ_in_a_number_are_not_a_loop(db: Database) -> None:
    handle_message(db, SETTINGS, email("Issue: outage"), T0)
    for n, severity in enumerate([2, 1, 4, 3], 2):  # the same words, four severities
        _reply(db, f"Severity: {severity}", n, n)
    with db.transaction() as s:
        changes = [e.detail.split(";")[0] for e in s.scalars(
            select(Event).where(Event.kind == "severity").order_by(Event.id))]
    assert changes == ["severity 3 → 2", "severity 2 → 1", "severity 1 → 4", "severity 4 → 3"]
