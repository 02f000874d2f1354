"""With [web] public_url every notice, warning, breach, recap and acknowledgement carries
signed links, one copy per recipient (delivered to them alone, To and Cc saying who else
got it, threaded alike); without it one email for all, saying how to reply (as before)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from escalator.db import Database
from escalator.links import Signer
from escalator.service.intake import handle_message
from escalator.service.sweep import sweep
from escalator.settings import Settings, SmtpSettings, WebSettings
from models import OutboxMessage

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECRET = "a signing secret for tests"
PLAIN = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                 ladder={"manager": ("mgr@example.com",), "director": ("dir@example.com",),
                         "vp": ("vp@example.com",), "executive": ("ceo@example.com",)})
LINKED = replace(PLAIN, web=WebSettings(public_url="https://esc.example.com", secret=SECRET))
TOKEN = re.compile(r"https://esc\.example\.com/a/([A-Za-z0-9_.-]+)")


def intake(db: Database, settings: Settings, body: str = "Issue: data loss\nSeverity: 2\n",
           n: int = 1) -> None:
    msg = EmailMessage()
    msg["From"] = "csm@example.com"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = "Escalation: Umbrella – Data loss" if n == 1 else "Re: [ESC-1] recap"
    msg["Message-ID"] = f"<m{n}@mail.example.com>"
    msg.set_content(body)
    handle_message(db, settings, bytes(msg), T0 + timedelta(minutes=n))


def rows(db: Database, kind: str) -> list[OutboxMessage]:
    with db.transaction() as s:
        found = list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                               .order_by(OutboxMessage.id)))
        s.expunge_all()
        return found


def actions(row: OutboxMessage, person: str) -> list[str]:
    """The actions of the row's links, each checked as signed for `person` and ESC-1."""
    found = []
    for token in TOKEN.findall(row.text_body):
        claim = Signer(SECRET).read(token, T0 + timedelta(hours=1), purpose="action",
                                    recipient=person, escalation_id=1)
        found.append(claim.action)
    assert TOKEN.findall(row.html_body) == TOKEN.findall(row.text_body)
    return found


def test_without_public_url_one_email_says_how_to_reply(any_db: Database) -> None:
    intake(any_db, PLAIN)
    [new] = rows(any_db, "new")
    assert new.deliver_to is None and new.envelope() == ["dir@example.com"]
    assert "/a/" not in new.text_body and "/a/" not in new.html_body
    assert "Reply to this email to act on it." in new.text_body


def test_every_recipient_gets_a_copy_with_links_of_their_own(any_db: Database) -> None:
    intake(any_db, LINKED)
    [ack] = rows(any_db, "ack")
    assert ack.envelope() == ["csm@example.com"]
    # the director owns it (first rung of severity 2): no Take ownership for them
    [new] = rows(any_db, "new")
    assert new.deliver_to == ["dir@example.com"]
    assert actions(new, "dir@example.com") == ["ack", "working", "waiting", "done"]
    assert "https://esc.example.com/escalations/ESC-1" in new.text_body
    assert "Or reply to this email to act on it." in new.text_body
    assert actions(ack, "csm@example.com") == ["ack", "working", "waiting", "done", "own"]

    intake(any_db, LINKED, "Status: working\n", n=2)  # the CSM's reply: a recap to all
    recaps = rows(any_db, "recap")
    assert sorted(r.envelope()[0] for r in recaps) == ["csm@example.com", "dir@example.com"]
    assert all(len(r.envelope()) == 1 for r in recaps)
    assert {(tuple(r.to_addrs), tuple(r.cc_addrs)) for r in recaps} == \
        {(("dir@example.com",), ("csm@example.com",))}  # To the owner, Cc the rest, as before
    assert len({r.message_id for r in recaps}) == 2
    assert len({(r.in_reply_to, tuple(r.references)) for r in recaps}) == 1
    csm_copy = next(r for r in recaps if r.envelope() == ["csm@example.com"])
    assert actions(csm_copy, "csm@example.com") == ["waiting", "done", "own"]


def test_breach_and_warning_carry_links_too(any_db: Database) -> None:
    intake(any_db, LINKED)
    sweep(any_db, LINKED, T0 + timedelta(hours=3, minutes=10))  # 75% of the 4 h response
    sweep(any_db, LINKED, T0 + timedelta(hours=5))  # past it: the breach
    warnings, breaches = rows(any_db, "warning"), rows(any_db, "breach")
    assert warnings and breaches
    for row in [*warnings, *breaches]:
        [person] = row.envelope()
        assert "ack" in actions(row, person)


def test_a_reply_quoting_a_copy_with_links_applies_only_its_own_lines(
        any_db: Database) -> None:
    from models import Escalation, Event

    intake(any_db, LINKED)
    [new] = rows(any_db, "new")
    # Outlook quotes with no ">" marks, lines stripped: the links must not read as commands
    quoted = "\n".join(line.strip() for line in new.text_body.split("\n"))
    msg = EmailMessage()
    msg["From"] = "dir@example.com"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = "RE: [ESC-1] New escalation"
    msg["Message-ID"] = "<r1@mail.example.com>"
    msg["In-Reply-To"] = f"<{new.message_id}>"
    msg.set_content("Status: waiting\n\nFrom: Escalator <escalations@example.com>\n"
                    "Sent: Tuesday, December 1, 2026 9:05 AM\n\n" + quoted)
    handle_message(any_db, LINKED, bytes(msg), T0 + timedelta(hours=1))
    with any_db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None and esc.status == "waiting"
        kinds = list(s.scalars(select(Event.kind).where(Event.actor == "dir@example.com")))
    assert kinds == ["status"]


def test_only_the_owners_copy_lists_undelivered_mail(any_db: Database) -> None:
    from escalator.service import events
    from models import Escalation

    intake(any_db, LINKED)
    with any_db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None
        events.add(s, esc, T0 + timedelta(minutes=5), "delivery", "escalator",
                   "new email to gone@example.com not delivered: 550 no such user")
    intake(any_db, LINKED, "Status: working\n", n=2)
    recaps = {r.envelope()[0]: r for r in rows(any_db, "recap")}
    assert "gone@example.com" in recaps["dir@example.com"].text_body  # the owner's
    assert "gone@example.com" not in recaps["csm@example.com"].text_body
    assert actions(recaps["dir@example.com"], "dir@example.com") == ["waiting", "done"]
    assert actions(recaps["csm@example.com"], "csm@example.com") == ["waiting", "done", "own"]
