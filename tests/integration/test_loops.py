"""A colleague's robot that answers every email it gets, and ignores Auto-Submitted, Cc'd on
an escalation: the loop with Escalator stops after a bounded number of rounds.

The robot is driven here round by round: each email the SMTP server got for it is answered
into the IMAP inbox as an Outlook-shaped reply (new text on top, a ticket number that
changes every time, the original below "-----Original Message-----"), then one poll.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from tests.support.cli import Cli
from tests.support.dovecot import Account
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

ROBOT = "helpdesk.bot@example.com"
ROUNDS = 10  # far more than the loop breaker may take


def _robot_reply(original: EmailMessage, n: int) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"Helpdesk Bot <{ROBOT}>"
    msg["To"] = str(original["From"])
    msg["Subject"] = "RE: " + str(original["Subject"])
    msg["Date"] = "Thu, 26 Nov 2026 09:00:00 +0000"
    msg["Message-ID"] = f"<bot-{n}@helpdesk.example.com>"
    msg["In-Reply-To"] = str(original["Message-ID"])
    msg["References"] = f"{original.get('References', '')} {original['Message-ID']}".strip()
    body = original.get_body(("plain",))
    quoted = body.get_content() if body is not None else ""
    msg.set_content(
        f"Thank you for contacting the helpdesk. Your request has been logged as ticket "
        f"#{4000 + n} and will be answered within 2 business days.\n\n"
        "-----Original Message-----\n"
        f"From: {original['From']}\nSent: Thursday, November 26, 2026 9:00 AM\n"
        f"To: {ROBOT}\nSubject: {original['Subject']}\n\n{quoted}")
    return msg.as_bytes()


def test_a_robot_answering_every_email_is_stopped(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer) -> None:
    dovecot.append("INBOX", raw_email(1).replace(
        b"To: escalations@example.com", f"To: escalations@example.com\r\nCc: {ROBOT}".encode()))
    cli.run("poll", "--once")
    answered, rounds = 0, 0
    while rounds < ROUNDS:
        to_robot = [m.message() for m in smtp_server.messages if ROBOT in m.rcpt_tos]
        if len(to_robot) == answered:
            break  # the robot got nothing new: the loop is over
        for original in to_robot[answered:]:
            answered += 1
            dovecot.append("INBOX", _robot_reply(original, answered))
        cli.run("poll", "--once")
        rounds += 1

    assert rounds <= 3, f"still looping after {rounds} rounds"
    notes = [e for e in cli.json("show", "ESC-1")["events"] if e["actor"] == ROBOT]
    assert len(notes) == 2  # applied twice, then recognised as a loop
    loops = [r for r in cli.json("ignored") if r["sender"] == ROBOT]
    assert loops and all(r["reason"].startswith("loop: the same reply") for r in loops)
    assert "loop: the same reply 3 times within an hour to ESC-1" in cli.run("ignored").stdout
    assert dovecot.messages("INBOX") == []
