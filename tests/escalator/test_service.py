"""The service layer on a real SQLite database: each change with its events and outbox rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.settings import Settings, SmtpSettings
from mailer.outcome import Outcome
from models import Escalation, Event, OutboxMessage

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
LADDER = {"manager": ("mgr@example.com",), "director": ("dir@example.com",),
          "vp": ("vp@example.com",), "executive": ("ceo@example.com",)}
SETTINGS = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                    ladder=dict(LADDER))


def email(body: str, subject: str = "Escalation: Umbrella – Data loss",
          sender: str = "csm@example.com", n: int = 1, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "escalations@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<m{n}.{abs(hash(body)) % 10**8}@mail.example.com>"
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content(body)
    return bytes(msg)


def reply(db: Database, body: str, sender: str = "dir@example.com", n: int = 2,
          at: datetime = T0 + H) -> Outcome:
    return handle_message(db, SETTINGS, email(body, subject="Re: [ESC-1] recap",
                                              sender=sender, n=n), at)


def outbox(db: Database, kind: str | None = None) -> list[OutboxMessage]:
    with db.transaction() as s:
        q = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            q = q.where(OutboxMessage.kind == kind)
        return list(s.scalars(q))


def escalation(db: Database) -> Escalation:
    with db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None
        return esc


def test_critical_goes_to_the_vp_with_the_executive_informed(db: Database) -> None:
    assert handle_message(db, SETTINGS, email("Issue: outage\nSeverity: 1"), T0) == \
        Outcome.PROCESSED
    [new] = outbox(db, "new")
    assert new.to_addrs == ["vp@example.com"] and new.cc_addrs == ["ceo@example.com"]
    [ack] = outbox(db, "ack")
    assert ack.to_addrs == ["csm@example.com"] and "[ESC-1]" in ack.subject
    esc = escalation(db)
    assert (esc.rung, esc.owner, esc.response_due_at) == ("vp", "vp@example.com", T0 + H)


def test_severity_rise_notifies_the_higher_rung_at_once_and_a_fall_unnotifies_nobody(
        db: Database) -> None:
    handle_message(db, SETTINGS, email("Issue: slow reports\nRisk Level: Medium"), T0)
    assert escalation(db).rung == "manager"
    reply(db, "Severity: 1")
    esc = escalation(db)
    assert (esc.severity, esc.rung) == (1, "vp")
    assert esc.response_due_at == T0 + H  # recomputed from the opening time
    assert [m.to_addrs for m in outbox(db, "new")] == [["mgr@example.com"], ["vp@example.com"]]
    reply(db, "Severity: 4", n=3)
    esc = escalation(db)
    assert (esc.severity, esc.rung) == (4, "vp")
    assert len(outbox(db, "new")) == 2


def test_waiting_pauses_and_resuming_moves_due_times(db: Database) -> None:
    handle_message(db, SETTINGS, email("Issue: x\nSeverity: 2"), T0)
    reply(db, "Status: waiting", at=T0 + H)
    assert escalation(db).next_escalation_at is None
    reply(db, "Status: open", n=3, at=T0 + 4 * H)
    esc = escalation(db)
    assert esc.response_due_at == T0 + 4 * H + 3 * H
    assert esc.paused_seconds == 3 * 3600 and esc.acknowledged_at is None


def test_done_sets_resolved_and_stops_the_ladder(db: Database) -> None:
    handle_message(db, SETTINGS, email("Issue: x\nSeverity: 3"), T0)
    reply(db, "Status: done\nRoot cause was a config flag.")
    esc = escalation(db)
    assert esc.status == "done" and esc.resolved_at == T0 + H
    assert esc.acknowledged_at == T0 + H and esc.next_escalation_at is None


def test_a_reply_with_only_bad_commands_gets_a_confirmation_naming_them(db: Database) -> None:
    handle_message(db, SETTINGS, email("Issue: x\nSeverity: 3"), T0)
    reply(db, "Severity: 7")
    [conf] = outbox(db, "confirmation")
    assert conf.to_addrs == ["dir@example.com"]
    assert "7" in conf.text_body and "1" in conf.text_body and "4" in conf.text_body
    assert escalation(db).severity == 3


def test_outsiders_change_nothing_and_get_no_reply(db: Database) -> None:
    handle_message(db, SETTINGS, email("Issue: x\nSeverity: 3"), T0)
    before = len(outbox(db))
    outcome = reply(db, "Status: done", sender="angry@customer.test")
    assert outcome == Outcome.FAILED
    assert escalation(db).status == "open" and len(outbox(db)) == before


def test_every_change_is_in_the_audit_trail(db: Database) -> None:
    handle_message(db, SETTINGS, email("Issue: x\nSeverity: 3"), T0)
    reply(db, "ack\nOwner: mgr@example.com\nSteps: restart the sync\nNote: called them")
    with db.transaction() as s:
        kinds = [e.kind for e in s.scalars(select(Event).order_by(Event.id))]
    assert kinds[:2] == ["opened", "notified"]
    assert {"ack", "owner", "steps", "note"} <= set(kinds)
    esc = escalation(db)
    assert esc.owner == "mgr@example.com" and esc.steps == ["restart the sync"]
    [recap] = outbox(db, "recap")
    everyone = [*recap.to_addrs, *recap.cc_addrs]
    assert recap.to_addrs == ["mgr@example.com"]  # the new owner must act; the rest informed
    assert {"csm@example.com", "dir@example.com"} <= set(everyone)
    assert len(everyone) == len(set(everyone))


def test_team_ladder_for_the_account_and_for_an_unknown_account_the_csms_team(
        db: Database) -> None:
    from dataclasses import replace

    from escalator.service.accounts import import_accounts

    with db.transaction() as s:
        import_accounts(s, "name,arr,segment,renewal_date,csm,team,health\n"
                           "Initech,120000,Enterprise,2027-03-01,csm@example.com,ent,green\n", T0,
                       settings=None)
    settings = replace(SETTINGS, teams={"ent": {"manager": ("ent-mgr@example.com",)}})
    handle_message(db, settings, email("Issue: x\nSeverity: 3",
                                       subject="Escalation: Initech – Sync stuck"), T0)
    handle_message(db, settings, email("Issue: y\nSeverity: 3", n=2,
                                       subject="Escalation: Hooli – Billing wrong"), T0)
    handle_message(db, settings, email("Issue: z\nSeverity: 2", n=3,
                                       subject="Escalation: Initech – Outage"), T0)
    news = outbox(db, "new")
    assert [m.to_addrs for m in news] == [
        ["ent-mgr@example.com"],  # Initech is the ent team's account
        ["ent-mgr@example.com"],  # Hooli is unknown: its CSM works in the ent team
        ["dir@example.com"],  # the ent team has no director of its own: [ladder]'s
    ]


def test_not_understood_confirmations_share_the_loop_breakers_allowance(db: Database) -> None:
    from dataclasses import replace

    settings = replace(SETTINGS, max_rejections_per_sender_per_hour=2)
    handle_message(db, settings, email("Issue: x\nSeverity: 3"), T0)
    handle_message(db, settings, email("no template here", subject="help", n=9), T0)
    for n in range(4):
        handle_message(db, settings, email("Severity: 7", subject="Re: [ESC-1] recap",
                                           sender="csm@example.com", n=10 + n), T0 + H)
    answered = [m.kind for m in outbox(db) if m.kind in ("rejection", "confirmation")]
    assert answered == ["rejection", "confirmation"]  # two an hour, whatever the kind
