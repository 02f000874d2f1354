"""The first slice end to end through the CLI: Dovecot in, aiosmtpd out, SQLite and PostgreSQL.

intake -> acknowledgement -> processed folder -> first-rung notice -> nothing before the
response target -> exactly one breach notice however often tick runs -> a reply sets status
working -> a recap reaches the CSM.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from tests.support.cli import Cli
from tests.support.dovecot import Account
from tests.support.parts import body_text
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

CSM = "carla.csm@example.com"

TEXT = """Hi Maya,

Flagging a situation with Initech that needs escalation:

  • Issue: Recurring feature complaints + risk of churn
  • Call Recording (If applicable): https://calls.example.com/r/77
  • Risk Level: High
  • Timeline: Ongoing since 11/02

Actions Taken:
  • Attempted de-escalation on 11/20
  • Provided workaround, offered training, logged in CRM

Escalation Ask:
  • Executive outreach
  • Pricing flexibility

Let me know how you'd like to proceed. Ready to assist however needed.

Best,
Carla
"""

HTML = """<html><body><p>Hi Maya,</p>
<p>Flagging a situation with Initech that needs escalation:</p>
<ul><li><b>Issue:</b> Recurring feature complaints + risk of churn</li>
<li><b>Call Recording (If applicable):</b> <a href="https://calls.example.com/r/77">recording</a></li>
<li><b>Risk Level:</b> High</li><li><b>Timeline:</b> Ongoing since 11/02</li></ul>
<p><b>Actions Taken:</b></p><ul><li>Attempted de-escalation on 11/20</li>
<li>Provided workaround, offered training, logged in CRM</li></ul>
<p><b>Escalation Ask:</b></p><ul><li>Executive outreach</li><li>Pricing flexibility</li></ul>
<p>Let me know how you'd like to proceed.</p><p>Best,<br>Carla</p></body></html>"""


def seed_004(subject: str = "Escalation: Initech – Recurring feature complaints") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Carla CSM <{CSM}>"
    msg["To"] = "Escalations <escalations@example.com>"
    msg["Subject"] = subject
    msg["Date"] = "Thu, 26 Nov 2026 09:00:00 +0000"
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    msg.set_content(TEXT)
    msg.add_alternative(HTML, subtype="html")
    return bytes(msg)


def reply_to(original: EmailMessage, sender: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "escalations@example.com"
    msg["Subject"] = "RE: " + str(original["Subject"])
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    msg["In-Reply-To"] = original["Message-ID"]
    msg["References"] = original["Message-ID"]
    quoted = "\n".join("> " + line for line in body_text(original)
                       .splitlines())
    msg.set_content(f"{body}\n\nOn Thu, 26 Nov 2026, Escalator wrote:\n{quoted}\n")
    return bytes(msg)


def sent_to(smtp: SmtpServer, address: str, subject_part: str = "") -> list[EmailMessage]:
    return [m.message() for m in smtp.messages
            if address in m.rcpt_tos and subject_part in str(m.message()["Subject"])]


def test_seed_004_flow_end_to_end(cli: Cli, dovecot: Account, smtp_server: SmtpServer) -> None:
    dovecot.append("INBOX", seed_004())
    out = cli.run("poll", "--once").stdout
    assert "1 processed" in out

    # recorded, acknowledged, filed
    [esc] = cli.json("list")
    assert esc["id"] == "ESC-1"
    assert (esc["account"], esc["severity"], esc["risk_level"]) == ("Initech", 2, "High")
    assert esc["summary"] == "Recurring feature complaints"
    assert esc["status"] == "open" and esc["acknowledged_at"] is None
    assert esc["actions_taken"] == ["Attempted de-escalation on 11/20",
                                    "Provided workaround, offered training, logged in CRM"]
    assert esc["ask"] == ["Executive outreach", "Pricing flexibility"]
    assert esc["rung"] == "director"
    assert dovecot.messages("INBOX") == [] and len(dovecot.messages("Processed")) == 1
    [ack] = sent_to(smtp_server, CSM, "Received")
    assert "[ESC-1]" in ack["Subject"] and "ESC-1" in body_text(ack)
    assert len(sent_to(smtp_server, "dan.director@example.com", "New escalation")) == 1
    assert sent_to(smtp_server, "vera.vp@example.com") == []

    # no breach before the target, whatever the tick; the opening time is the poll's
    opened = esc["opened_at"]
    due = esc["response_due_at"]
    assert esc["next_escalation_at"] == due
    before = _shift(due, minutes=-1)
    cli.run("tick", "--at", before)
    assert sent_to(smtp_server, "vera.vp@example.com") == []

    # exactly one breach notice to the next rung, however often tick runs
    for minutes in (1, 2, 30):
        cli.run("tick", "--at", _shift(due, minutes=minutes))
    breaches = sent_to(smtp_server, "vera.vp@example.com", "SLA breach")
    assert len(breaches) == 1
    assert breaches[0]["In-Reply-To"] and "[ESC-1]" in breaches[0]["Subject"]
    shown = cli.json("show", "ESC-1")
    assert shown["rung"] == "vp" and shown["opened_at"] == opened
    assert [e["kind"] for e in shown["events"]].count("breach") == 1

    # a colleague replies to the breach notice; the quoted history is not read
    smtp_before = len(sent_to(smtp_server, CSM))
    dovecot.append("INBOX", reply_to(breaches[0], "Vera VP <vera.vp@example.com>",
                                     "Status: Working\nCalling their CTO today."))
    cli.run("poll", "--once")
    shown = cli.json("show", "ESC-1")
    assert shown["status"] == "working"
    assert shown["acknowledged_at"] is not None
    assert any(e["kind"] == "note" and "CTO" in e["detail"] for e in shown["events"])
    recaps = sent_to(smtp_server, CSM, "Recap")
    assert len(sent_to(smtp_server, CSM)) > smtp_before and recaps
    assert "working" in body_text(recaps[-1])

    # acknowledged: the response ladder has stopped
    cli.run("tick", "--at", _shift(due, minutes=60 * 12))
    assert sent_to(smtp_server, "erin.ceo@example.com") == []


def test_unusable_email_gets_a_reply_naming_what_is_missing(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer) -> None:
    dovecot.append("INBOX", seed_004(subject="Help please").replace(
        b"Issue:", b"Note:").replace(b"Issue:</b>", b"Note:</b>"))
    cli.run("poll", "--once")
    assert cli.json("list") == []
    assert dovecot.messages("INBOX") == [] and len(dovecot.messages("Failed")) == 1
    [answer] = sent_to(smtp_server, CSM)
    body = body_text(answer)
    assert "Account" in body and "not found" in body


def test_same_message_twice_is_one_escalation(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer) -> None:
    raw = seed_004()
    dovecot.append("INBOX", raw)
    cli.run("poll", "--once")
    dovecot.append("INBOX", raw)
    cli.run("poll", "--once")
    assert len(cli.json("list")) == 1
    assert len(sent_to(smtp_server, CSM, "Received")) == 1
    assert len(dovecot.messages("Processed")) == 2


def test_show_unknown_id_is_one_line(cli: Cli) -> None:
    proc = cli.run("show", "ESC-99", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "escalator: ESC-99: no such escalation"


def _shift(iso: str, minutes: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(iso.replace("Z", "+00:00"))
            + timedelta(minutes=minutes)).isoformat()
