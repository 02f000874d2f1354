"""Owners and stakeholders: colleagues only (or [organization] allowed_external), one owner
per reply, a bound per escalation; a named owner is told; recomputed windows warn again.
Hostile input, so on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.service.sweep import sweep
from escalator.settings import Settings, SmtpSettings
from models import Escalation, OutboxMessage
from tests.escalator.test_service import LADDER, email

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
SETTINGS = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                    ladder=dict(LADDER), max_stakeholders=50)


def outbox(db: Database, kind: str) -> list[OutboxMessage]:
    with db.transaction() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id)))


def escalation(db: Database) -> Escalation:
    with db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None
        return esc


def reply(db: Database, body: str, n: int, sender: str = "dir@example.com",
          settings: Settings = SETTINGS, at: datetime = T0 + H) -> None:
    handle_message(db, settings, email(body, subject="Re: [ESC-1] recap", sender=sender, n=n),
                   at)


def test_owner_named_at_intake_gets_the_new_escalation_notice(any_db: Database) -> None:
    handle_message(any_db, SETTINGS, email(
        "Issue: x\nSeverity: 3\nESCALATION OWNER: Olga Owner <olga.owner@example.com>"), T0)
    assert escalation(any_db).owner == "olga.owner@example.com"
    [new] = outbox(any_db, "new")
    assert new.to_addrs == ["mgr@example.com", "olga.owner@example.com"]
    assert outbox(any_db, "recap") == []  # one email for her, not a recap besides


def test_outside_owner_at_intake_is_refused_and_said(any_db: Database) -> None:
    handle_message(any_db, SETTINGS, email(
        "Issue: x\nSeverity: 3\nESCALATION OWNER: eve@evil.example",
        cc="eve@evil.example, pat@example.com"), T0)
    esc = escalation(any_db)
    assert esc.owner == "mgr@example.com"
    assert not any("evil" in a for a in esc.stakeholders)
    assert "pat@example.com" in esc.stakeholders
    sent = [a for kind in ("ack", "new", "recap") for m in outbox(any_db, kind)
            for a in (*m.to_addrs, *m.cc_addrs)]
    assert sent and not any("evil" in a for a in sent)
    [ack] = outbox(any_db, "ack")
    assert "'eve@evil.example' — not a colleague's address" in ack.text_body


def test_a_thousand_owner_lines_make_one_owner_and_no_outsider(any_db: Database) -> None:
    handle_message(any_db, SETTINGS, email("Issue: x\nSeverity: 3"), T0)
    # every other line an outsider's address, from the first internal one on
    lines = [f"Owner: p{i}@example.com" if i % 2 == 0 else f"Owner: x{i}@evil.example"
             for i in range(1000)]
    reply(any_db, "\n".join(lines), 2)
    esc = escalation(any_db)
    assert esc.owner == "p0@example.com"
    assert not any("evil" in a for a in esc.stakeholders)
    assert len(esc.stakeholders) <= SETTINGS.max_stakeholders
    [recap] = outbox(any_db, "recap")
    assert len(recap.to_addrs) + len(recap.cc_addrs) <= SETTINGS.max_stakeholders
    assert not any("evil" in a for a in (*recap.to_addrs, *recap.cc_addrs))
    assert "Owner: given 1000 times in one reply; only the first (p0@example.com)" \
        in recap.text_body


def test_outside_owner_by_reply_is_answered_and_changes_nothing(any_db: Database) -> None:
    handle_message(any_db, SETTINGS, email("Issue: x\nSeverity: 3"), T0)
    reply(any_db, "Owner: eve@evil.example", 2)
    esc = escalation(any_db)
    assert esc.owner == "mgr@example.com" and "eve@evil.example" not in esc.stakeholders
    assert outbox(any_db, "recap") == []
    [answer] = outbox(any_db, "confirmation")
    assert answer.to_addrs == ["dir@example.com"]
    assert "'eve@evil.example' — not a colleague's address" in answer.text_body


def test_allowed_external_may_own(any_db: Database) -> None:
    settings = replace(SETTINGS, allowed_external=("pat@partner.example",))
    handle_message(any_db, settings, email("Issue: x\nSeverity: 3"), T0)
    reply(any_db, "Owner: pat@partner.example", 2, settings=settings)
    esc = escalation(any_db)
    assert esc.owner == "pat@partner.example" and "pat@partner.example" in esc.stakeholders


def test_stakeholders_stop_at_the_bound_with_an_answer(any_db: Database) -> None:
    settings = replace(SETTINGS, max_stakeholders=4)
    handle_message(any_db, settings, email("Issue: x\nSeverity: 3"), T0)
    assert escalation(any_db).stakeholders == ["csm@example.com", "mgr@example.com"]
    for n, who in enumerate(("a", "b", "c", "d"), start=2):
        reply(any_db, f"Note: {who} here", n, sender=f"{who}@example.com", settings=settings)
    esc = escalation(any_db)
    assert esc.stakeholders == ["csm@example.com", "mgr@example.com", "a@example.com",
                                "b@example.com"]
    last = outbox(any_db, "recap")[-1]
    assert "d@example.com" in last.cc_addrs  # the sender left out still hears
    assert "ESC-1 has 4 stakeholders, the most allowed ([organization] max_stakeholders)" \
        in last.text_body


def test_warnings_of_a_recomputed_window_are_sent(any_db: Database) -> None:
    handle_message(any_db, SETTINGS, email("Issue: x\nSeverity: 3"), T0)  # 24h response
    sweep(any_db, SETTINGS, T0 + 18 * H)
    assert len(outbox(any_db, "warning")) == 1  # 75% of the 24h window
    reply(any_db, "Severity: 4", 2, at=T0 + 19 * H)  # 48h now; the rung stays manager
    sweep(any_db, SETTINGS, T0 + 36 * H)  # 75% of the new window
    warnings = outbox(any_db, "warning")
    assert len(warnings) == 2
    sweep(any_db, SETTINGS, T0 + 36 * H + 1 * H)
    assert len(outbox(any_db, "warning")) == 2  # and once only
