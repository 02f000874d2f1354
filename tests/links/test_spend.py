"""Acting through a link, on SQLite and PostgreSQL: a look changes nothing; acting applies
the one action once, as the link's recipient, via link; a second use, even at the same
moment from another connection, changes nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import event, func, select

from escalator.db import Database
from escalator.links import Signer
from escalator.service import links as link_service
from escalator.service.intake import handle_message
from escalator.settings import Settings, SmtpSettings
from models import Escalation, Event, OutboxMessage, UsedLink
from tests.escalator.test_concurrent_replies import Interleave, run_together

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=10)
SETTINGS = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                    ladder={"manager": ("mgr@example.com",), "director": ("dir@example.com",),
                            "vp": ("vp@example.com",), "executive": ("ceo@example.com",)})
SIGNER = Signer("test key " * 4)


def open_one(db: Database) -> None:
    msg = EmailMessage()
    msg["From"] = "csm@example.com"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = "Escalation: Umbrella – Data loss"
    msg["Message-ID"] = "<m1@mail.example.com>"
    msg.set_content("Issue: data loss\nSeverity: 2\n")
    handle_message(db, SETTINGS, bytes(msg), T0)


def link(action: str, who: str = "dir@example.com") -> str:
    return SIGNER.sign("action", who, T0, 7, escalation_id=1, action=action)


def counts(db: Database) -> tuple[int, int, int]:
    with db.transaction() as s:
        return (s.scalar(select(func.count()).select_from(Event)) or 0,
                s.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
                s.scalar(select(func.count()).select_from(UsedLink)) or 0)


def act(db: Database, token: str, at: datetime = LATER) -> link_service.Look:
    with db.transaction() as s:
        return link_service.act(s, SETTINGS, SIGNER, token, at)


def test_a_look_changes_nothing(any_db: Database) -> None:
    open_one(any_db)
    before = counts(any_db)
    with any_db.transaction() as s:
        seen = link_service.look(s, SIGNER, link("ack"), LATER)
        assert seen.esc is not None and not seen.refused and not seen.already
    assert counts(any_db) == before
    with any_db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None and esc.acknowledged_at is None


def test_acting_applies_once_as_the_recipient_via_link(any_db: Database) -> None:
    open_one(any_db)
    token = link("done")
    done = act(any_db, token)
    assert done.changes == ["status open → done"]
    events, outbox, used = counts(any_db)
    assert used == 1
    with any_db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None and esc.status == "done" and esc.acknowledged_at == LATER
        ev = s.scalars(select(Event).where(Event.kind == "status")).one()
        assert (ev.actor, ev.detail) == ("dir@example.com", "status open → done (via link)")
    again = act(any_db, token, LATER + timedelta(minutes=1))
    assert again.refused == "used" and not again.changes
    assert counts(any_db) == (events, outbox, used)
    with any_db.transaction() as s:
        assert link_service.look(s, SIGNER, token, LATER).refused == "used"


def test_ack_sends_the_recap_and_take_ownership_names_the_recipient(any_db: Database) -> None:
    open_one(any_db)
    assert act(any_db, link("ack")).changes == ["acknowledged by dir@example.com"]
    assert act(any_db, link("own", "vp@example.com")).changes == ["owner set to vp@example.com"]
    with any_db.transaction() as s:
        kinds = s.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
        assert kinds[-2:] == ["recap", "recap"]
        esc = s.get(Escalation, 1)
        assert esc is not None and esc.owner == "vp@example.com"
    fresh = SIGNER.sign("action", "vp@example.com", T0, 6, escalation_id=1, action="own")
    assert act(any_db, fresh).already == "ESC-1 is yours already: you are its owner"


def test_already_in_that_state_says_so_and_keeps_the_link(any_db: Database) -> None:
    open_one(any_db)
    act(any_db, link("waiting", "vp@example.com"))
    before = counts(any_db)
    seen = act(any_db, link("waiting"))
    assert seen.already == "ESC-1 is at status Waiting on customer already"
    assert counts(any_db) == before


def test_refused_tokens_change_nothing(any_db: Database) -> None:
    open_one(any_db)
    before = counts(any_db)
    token = link("ack")
    assert act(any_db, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")).refused == "tampered"
    assert act(any_db, token, T0 + timedelta(days=8)).refused == "expired"
    ghost = SIGNER.sign("action", "dir@example.com", T0, 7, escalation_id=99, action="ack")
    assert act(any_db, ghost).refused == "foreign"
    signin = SIGNER.sign("signin", "dir@example.com", T0, 7)
    assert act(any_db, signin).refused == "foreign"
    assert counts(any_db) == before


def test_the_same_link_posted_twice_at_once_acts_once(any_db: Database) -> None:
    open_one(any_db)
    token = link("working")
    other = Database(any_db.url)  # a second instance: its own engine and connections
    if any_db.url.startswith("postgresql"):
        together = Interleave(any_db)  # one for both: the first waits for the other
        event.listen(other.engine, "after_cursor_execute", together._after)
    results: list[link_service.Look] = []
    run_together(lambda: results.append(act(any_db, token)),
                 lambda: results.append(act(other, token)))
    other.dispose()
    assert sorted(bool(r.changes) for r in results) == [False, True]
    assert [r.refused for r in results if not r.changes] == ["used"]
    with any_db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Event)
                        .where(Event.kind == "status")) == 1


def test_two_recipients_acknowledging_at_once_acknowledge_once(any_db: Database) -> None:
    open_one(any_db)
    if any_db.url.startswith("postgresql"):
        Interleave(any_db)
    results: list[link_service.Look] = []
    run_together(lambda: results.append(act(any_db, link("ack", "dir@example.com"))),
                 lambda: results.append(act(any_db, link("ack", "vp@example.com"))))
    assert sorted(bool(r.changes) for r in results) == [False, True]
    assert [r.already for r in results if not r.changes] == ["ESC-1 is acknowledged already"]


def test_digests_older_than_any_link_can_live_are_let_go(any_db: Database) -> None:
    open_one(any_db)
    act(any_db, link("ack"), LATER)
    much_later = LATER + timedelta(days=366)
    late = SIGNER.sign("action", "vp@example.com", much_later, 7, escalation_id=1,
                       action="done")
    assert act(any_db, late, much_later).changes
    with any_db.transaction() as s:
        kept = list(s.scalars(select(UsedLink.used_at)))
    assert kept == [much_later]
