"""`escalator demo`: the whole flow on embedded defaults, with the clock advanced by hand.

SQLite in a temporary folder, an in-process SMTP intake as the escalations mailbox, and a
local capture of outgoing mail. Nothing is left running or on disk afterwards.
"""

from __future__ import annotations

import smtplib
import socket
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from sqlalchemy import select

from escalator.db import Database, init_db
from escalator.jobs import intake_handler, tick
from escalator.service.delivery import deliver
from escalator.settings import DatabaseSettings, Settings, SmtpSettings
from mailer.smtp import CaptureSender
from mailer.smtp_intake import start_smtp_intake
from models import Escalation, Event

MAILBOX = "escalations@example.com"
CSM = "carla.csm@example.com"
LADDER = {
    "manager": ("maya.manager@example.com",),
    "director": ("dan.director@example.com",),
    "vp": ("vera.vp@example.com",),
    "executive": ("erin.ceo@example.com",),
}

SEED_004 = """\
Hi Maya,

Flagging a situation with Globex Corporation that needs escalation:

  • Issue: Recurring export failures + risk of churn
  • Call Recording: https://calls.example.com/rec/8812
  • Risk Level: High
  • Timeline: Ongoing since 11/02

Actions Taken:
  • Attempted de-escalation on 11/20
  • Provided a CSV workaround, logged in CRM

Escalation Ask:
  • Executive outreach
  • Join call for support

Let me know how you'd like to proceed. Ready to assist however needed.

Best,
Carla
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo(out: Callable[[str], None] = print) -> None:
    with tempfile.TemporaryDirectory(prefix="escalator-demo-") as tmp:
        _run(Path(tmp), out)


def _run(tmp: Path, out: Callable[[str], None]) -> None:
    url = f"sqlite:///{tmp / 'demo.db'}"
    settings = Settings(
        path="<demo>", database=DatabaseSettings(url),
        smtp=SmtpSettings(from_address=MAILBOX), internal_domains=("example.com",),
        ladder=dict(LADDER),
    )
    init_db(url)
    db = Database(url)
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    clock = {"now": start}
    capture = CaptureSender()
    seen = 0

    def at(delta: timedelta) -> datetime:
        clock["now"] = start + delta
        return clock["now"]

    def stamp() -> str:
        return _day_time(clock["now"])

    def show_mail() -> None:
        nonlocal seen
        deliver(db, settings, lambda: capture, clock=lambda: clock["now"])
        for item in capture.sent[seen:]:
            msg = item.msg
            out(f"    ✉ to {', '.join(item.recipients)}: {msg['Subject']}")
        if len(capture.sent) == seen:
            out("    (no email: nothing is due)")
        seen = len(capture.sent)

    port = _free_port()
    controller = start_smtp_intake("127.0.0.1", port,
                                   intake_handler(db, settings, lambda: clock["now"]),
                                   max_message_bytes=25 * 1024 * 1024)
    try:
        out("Escalator demo: one escalation, from the CSM's email up the ladder, with the "
            "clock moved forward.")
        out("Everything runs on this computer: no email leaves it, nothing is left behind.")
        out(f"Escalations mailbox: {MAILBOX}. Ladder: the CSM, then manager (Maya), "
            "director (Dan), VP (Vera), executive (Erin).\n")

        at(timedelta(0))
        out(f"{stamp()}  Carla ({CSM}) emails the mailbox in the standard escalation "
            "template, Risk Level: High. That is severity 2: the director is told first and "
            "the response is due within 4 hours.")
        intake = EmailMessage()
        intake["From"] = f"Carla CSM <{CSM}>"
        intake["To"] = MAILBOX
        intake["Subject"] = "Escalation: Globex Corporation – Recurring export failures"
        intake["Message-ID"] = make_msgid(domain="example.com")
        intake.set_content(SEED_004)
        _send(port, intake)
        with db.transaction() as session:
            esc = session.scalars(select(Escalation)).one()
            esc_id, due = esc.id, esc.response_due_at
        out(f"    ESC-{esc_id} opened; the response is due by {_day_time(due)}")
        show_mail()

        for delta, label in (
                (timedelta(hours=2), "two hours later, nobody has answered yet"),
                (timedelta(hours=3, minutes=5), "three quarters of the response time gone: "
                                                "a warning to the director"),
                (timedelta(hours=4, minutes=1), "the 4 hours are up and nobody acknowledged: "
                                                "the VP is told"),
                (timedelta(hours=4, minutes=5), "a few minutes later: nothing is sent twice")):
            now = at(delta)
            tick(db, settings, now, lambda: capture)
            out(f"{stamp()}  {label}")
            show_mail()

        at(timedelta(hours=4, minutes=20))
        breach = next(m.msg for m in capture.sent if "SLA breach" in (m.msg["Subject"] or ""))
        reply = EmailMessage()
        reply["From"] = "Vera VP <vera.vp@example.com>"
        reply["To"] = MAILBOX
        reply["Subject"] = "Re: " + str(breach["Subject"])
        reply["Message-ID"] = make_msgid(domain="example.com")
        reply["In-Reply-To"] = breach["Message-ID"]
        reply["References"] = breach["Message-ID"]
        reply.set_content("Status: Working\nI'm calling their CTO this afternoon.\n\n"
                          f"On Thu, {MAILBOX} wrote:\n> {breach['Subject']}\n> Status: Done\n")
        out(f"{stamp()}  Vera (vera.vp@example.com) replies \"Status: Working\" and a note; "
            "the \"Status: Done\" in the email she quotes below is not read")
        _send(port, reply)
        show_mail()

        now = at(timedelta(hours=9))
        tick(db, settings, now, lambda: capture)
        out(f"{stamp()}  five hours on: she acted on it, so the ladder stopped climbing")
        show_mail()
    finally:
        controller.stop()

    with db.transaction() as session:
        final = session.get(Escalation, esc_id)
        assert final is not None
        esc = final
        out(f"\nESC-{esc.id} now: status {esc.status}, severity {esc.severity}, with the "
            f"{esc.rung.upper() if esc.rung == 'vp' else esc.rung}; acknowledged "
            f"{_day_time(esc.acknowledged_at)}. If it is not resolved by "
            f"{_day_time(esc.next_escalation_at)}, the next rung up is told.")
        out("Its timeline:")
        for e in session.scalars(select(Event).where(Event.escalation_id == esc.id)
                                 .order_by(Event.id)):
            out(f"  {_day_time(e.at)}  {e.kind:<9} {e.actor:<22} {e.detail}")
    out(f"\n{len(capture.sent)} emails in all, kept here instead of sent; nothing is left "
        "running or on disk.")
    db.dispose()


def _day_time(at: datetime | None) -> str:
    """Tue 1 Dec 14:05 UTC: a date with its time, as a person reads it."""
    if at is None:
        return "—"
    return f"{at:%a} {at.day} {at:%b %H:%M} UTC"


def _send(port: int, msg: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(msg)
