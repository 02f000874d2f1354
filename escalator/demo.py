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
        minutes = int((clock["now"] - start).total_seconds() // 60)
        return f"[+{minutes // 60}:{minutes % 60:02d}]"

    def show_mail() -> None:
        nonlocal seen
        deliver(db, settings, lambda: capture, clock=lambda: clock["now"])
        for item in capture.sent[seen:]:
            msg = item.msg
            out(f"          ✉ to {', '.join(item.recipients)}: {msg['Subject']}")
        seen = len(capture.sent)

    port = _free_port()
    controller = start_smtp_intake("127.0.0.1", port,
                                   intake_handler(db, settings, lambda: clock["now"]),
                                   max_message_bytes=25 * 1024 * 1024)
    try:
        out("Escalator demo: SQLite in a temporary folder, SMTP intake on "
            f"127.0.0.1:{port}, outgoing mail captured locally.")
        out(f"Ladder: csm → manager → director → vp → executive; mailbox {MAILBOX}\n")

        at(timedelta(0))
        out(f"{stamp()} {CSM} emails the mailbox in the seed-004 template "
            "(Risk Level: High → severity 2, response target 4h, first rung director)")
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
        out(f"          ESC-{esc_id} opened; response due {due:%H:%M} UTC")
        show_mail()

        for delta, label in ((timedelta(hours=2), "two hours later"),
                             (timedelta(hours=3, minutes=5), "75% of the response window"),
                             (timedelta(hours=4, minutes=1), "response target passed"),
                             (timedelta(hours=4, minutes=5), "tick again: nothing doubles")):
            now = at(delta)
            stats = tick(db, settings, now, lambda: capture)
            out(f"{stamp()} tick ({label}): {stats.notices} notices")
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
        out(f"{stamp()} vera.vp@example.com replies \"Status: Working\" plus a note "
            "(the quoted \"Status: Done\" below it is ignored)")
        _send(port, reply)
        show_mail()

        now = at(timedelta(hours=9))
        stats = tick(db, settings, now, lambda: capture)
        out(f"{stamp()} tick: {stats.notices} notices (acknowledged: the response ladder stopped)")
        show_mail()
    finally:
        controller.stop()

    with db.transaction() as session:
        final = session.get(Escalation, esc_id)
        assert final is not None
        esc = final
        out(f"\nESC-{esc.id} now: status {esc.status}, severity {esc.severity}, rung {esc.rung}, "
            f"acknowledged {esc.acknowledged_at:%H:%M} UTC, next escalation "
            f"{esc.next_escalation_at:%Y-%m-%d %H:%M} UTC (resolution target)")
        out("Timeline:")
        for e in session.scalars(select(Event).where(Event.escalation_id == esc.id)
                                 .order_by(Event.id)):
            out(f"  {e.at:%H:%M}  {e.kind:<9} {e.actor:<26} {e.detail}")
    out(f"\n{len(capture.sent)} emails captured; nothing left running.")
    db.dispose()


def _send(port: int, msg: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(msg)
