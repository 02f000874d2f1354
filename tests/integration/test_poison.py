"""One message's fault stays that message's, through the CLI on SQLite and PostgreSQL.

Each poison message sits in the inbox before a valid escalation, all fetched in one poll:
the valid ones are recorded, and the poison one is either handled as proper input (clipped,
recorded, rejected) or kept in the failed folder with a row in `escalator ignored`. Which
layer catches it (the parser clipping values, or the service recording an `error` row) is
not the point; that nothing stalls and nothing is silent is.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from escalator.render import TEMPLATES
from tests.support.cli import Cli, ready_cli
from tests.support.dovecot import Account
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

DATE = "Thu, 26 Nov 2026 09:00:00 +0000"


def _email(sender: str, subject: str, body: str, message_id: str) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = "escalations@example.com"
    msg["Subject"] = subject
    msg["Date"] = DATE
    msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg.as_bytes()


def _raw(sender: str, subject: str, body: str, message_id: str) -> bytes:
    """Header lines exactly as given (no folding): what a broken or hostile client sends."""
    return (f"From: {sender}\r\nTo: escalations@example.com\r\nSubject: {subject}\r\n"
            f"Date: {DATE}\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.replace("\n", "\r\n")
            ).encode()


TEMPLATE = "Issue: {what}\nRisk Level: High\n"
POISON: dict[str, tuple[str, bytes]] = {  # marker -> (sender address, raw message)
    "nul-subject": ("customer@customer.test", _raw(
        "A Customer <customer@customer.test>", "=?utf-8?q?poison_nul-subject_=00_here?=",
        "Your product broke.\n", "<nul@customer.test>")),
    "long-message-id": ("ana.csm@example.com", _raw(
        "Ana CSM <ana.csm@example.com>", "Escalation: Initech – poison long-message-id",
        TEMPLATE.format(what="long id"), f"<{'m' * 1100}@mail.example.com>")),
    "long-from": ("b" * 330 + "@example.com", _raw(
        f"Bob <{'b' * 330}@example.com>", "Escalation: Globex – poison long-from",
        TEMPLATE.format(what="long from"), "<long-from@mail.example.com>")),
    "long-account": ("carol.csm@example.com", _email(
        "Carol CSM <carol.csm@example.com>",
        "Escalation: " + "Umbrella Holdings " * 18 + "– poison long-account",
        TEMPLATE.format(what="long account"), "<long-account@mail.example.com>")),
    "long-type": ("dave.csm@example.com", _email(
        "Dave CSM <dave.csm@example.com>", "Escalation: Hooli – poison long-type",
        TEMPLATE.format(what="long type") + "Type: " + "Churn Risk " * 12 + "\n",
        "<long-type@mail.example.com>")),
    "huge-id": ("erin.csm@example.com", _email(
        "Erin CSM <erin.csm@example.com>", "Re: [ESC-99999999999999999999] poison huge-id",
        "ack\n", "<huge-id@mail.example.com>")),
}


def test_poison_messages_do_not_hold_back_the_valid_ones(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer) -> None:
    for n, (_sender, raw) in enumerate(POISON.values(), start=1):
        dovecot.append("INBOX", raw)
        dovecot.append("INBOX", raw_email(n))  # a valid escalation right behind it
    polled = cli.run("poll", "--once").stdout
    assert " 0 left" in polled, polled
    assert dovecot.messages("INBOX") == []

    recorded = cli.json("list")
    accounts = {e["account"] for e in recorded}
    assert {f"Account {n}" for n in range(1, len(POISON) + 1)} <= accounts
    listed = cli.json("ignored")
    failed = dovecot.messages("Failed")
    for marker, (sender, _raw_message) in POISON.items():
        in_failed = [m for m in failed if marker.encode() in m]
        rows = [r for r in listed if marker in r["subject"]]
        was_recorded = any(marker in e["summary"] for e in recorded)
        assert was_recorded or (in_failed and rows), (marker, rows, polled)
        if in_failed:
            assert rows and rows[0]["reason"], marker  # a person can see why
        if "@example.com" in sender and len(sender) < 254:  # a colleague is always answered
            mails = [m for m in smtp_server.messages if sender in m.rcpt_tos]
            assert len(mails) == 1, (marker, [m.message()["Subject"] for m in mails])
    assert cli.run("poll", "--once").stdout.startswith("polled INBOX: 0 messages")


def test_a_message_that_fails_is_kept_answered_and_listed(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    """A team's acknowledgement template that passes the start-up check and fails for any
    escalation without links: that message's fault, not the others'."""
    team = tmp_path / "team-templates"
    team.mkdir()
    (team / "ack.txt").write_text("First link: {{ esc.links[0] }}\n"
                                  + (TEMPLATES / "ack.txt").read_text())
    cli = ready_cli(tmp_path, database_url, dovecot.settings(), smtp_server.settings(),
                    f'\n[templates]\ndir = "{team}"\n')
    with_link = "Issue: outage\nRelevant Links: https://status.example.com/1\n"
    dovecot.append("INBOX", raw_email(1, body=with_link))
    dovecot.append("INBOX", raw_email(2))  # no link: its acknowledgement cannot render
    dovecot.append("INBOX", raw_email(3, body=with_link))
    cli.run("poll", "--once")

    assert [e["account"] for e in cli.json("list")] == ["Account 1", "Account 3"]
    assert dovecot.messages("INBOX") == []
    [kept] = dovecot.messages("Failed")
    assert b"Message-ID: <2@test.example>" in kept
    [row] = cli.json("ignored")
    assert (row["outcome"], row["sender"], row["message_id"]) == (
        "error", "csm2@example.com", "2@test.example")
    assert row["reason"].startswith("could not be recorded: UndefinedError: ")
    assert "\n" not in row["reason"] and "[SQL" not in row["reason"]
    [answer] = [m.message() for m in smtp_server.messages if "csm2@example.com" in m.rcpt_tos]
    assert str(answer["Subject"]) == "Not recorded yet: Escalation: Account 2 – test"
    assert str(answer["In-Reply-To"]) == "<2@test.example>"
    body = answer.get_body(("plain",))
    assert body is not None and "a person will look at it" in body.get_content()
    assert "error  " in cli.run("ignored").stdout
