"""Noise and trust through the CLI: nothing that is not a colleague's escalation or command
changes a record or gets a reply, and `escalator ignored` says why for each.

ESC-1 is opened first, so every piece of noise could otherwise have been read as a reply
to it ([ESC-1] in the subject, our Message-ID in In-Reply-To).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Cli, write_config
from tests.support.dovecot import Account
from tests.support.parts import body_text
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

BOUNCES = Path(__file__).resolve().parent.parent / "emails" / "bounces"
CSM = "csm1@example.com"
LIMIT = 3  # [intake] max_rejections_per_sender_per_hour in these tests


def _cli(tmp_path: Path, url: str, dovecot: Account, smtp: SmtpServer,
         organization: str = "") -> Cli:
    config = write_config(tmp_path / "config.toml", url, dovecot.settings(), smtp.settings(),
                          f"\n[intake]\nmax_rejections_per_sender_per_hour = {LIMIT}\n")
    text = config.read_text().replace('internal_domains = ["example.com"]',
                                      f'internal_domains = ["example.com"]\n{organization}')
    config.write_text(text)
    cli = Cli(config)
    cli.run("init-db")
    return cli


def _open_esc_1(cli: Cli, dovecot: Account, smtp: SmtpServer) -> EmailMessage:
    """ESC-1 from csm1; returns its acknowledgement as the SMTP server got it."""
    dovecot.append("INBOX", raw_email(1))
    cli.run("poll", "--once")
    [ack] = [m.message() for m in smtp.messages if ".ack." in str(m.message()["Message-ID"])]
    return ack


def _email(sender: str, subject: str, body: str, *, in_reply_to: str = "",
           **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "escalations@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="mail.test")
    if in_reply_to:
        msg["In-Reply-To"] = msg["References"] = in_reply_to
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return bytes(msg)


def _quoted(ack: EmailMessage, top: str) -> str:
    quoted = "\n".join("> " + line for line in
                       ["Status: Done", *body_text(ack).splitlines()])
    return f"{top}\n\nOn Thu, 26 Nov 2026, Escalations wrote:\n{quoted}\n"


def _state(cli: Cli) -> dict[str, Any]:
    shown = cli.json("show", "ESC-1")
    return {k: shown[k] for k in ("status", "severity", "owner", "acknowledged_at", "steps",
                                  "stakeholders", "events")}


def test_noise_changes_nothing_and_gets_no_reply(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    cli = _cli(tmp_path, database_url, dovecot, smtp_server)
    ack = _open_esc_1(cli, dovecot, smtp_server)
    ack_id, subject = str(ack["Message-ID"]), "RE: " + str(ack["Subject"])
    before, sent_before = _state(cli), len(smtp_server.messages)
    colleague = "Vera VP <vera.vp@example.com>"
    noise = {
        "auto-reply (Auto-Submitted": _email(colleague, subject, "I am away until Monday.",
                                             in_reply_to=ack_id, Auto_Submitted="auto-replied"),
        "auto-reply (X-Autoreply)": _email(colleague, subject, "Out of office.",
                                           in_reply_to=ack_id, X_Autoreply="yes"),
        "auto-reply (subject": _email(colleague, "Automatic reply: " + str(ack["Subject"]),
                                      "Status: Done\nI am on leave.", in_reply_to=ack_id),
        "list mail (List-Id)": _email(colleague, subject, "Status: Done",
                                      in_reply_to=ack_id, List_Id="<cs-team.lists.example.com>"),
        "outsider customer@customer.test": _email(
            "A Customer <customer@customer.test>", subject, _quoted(ack, "Status: Done"),
            in_reply_to=ack_id),
        "own mail": _email("Escalations <escalations@example.com>", subject, "Status: Done",
                           in_reply_to=ack_id),
    }
    for raw in noise.values():
        dovecot.append("INBOX", raw)
    bounces = sorted(BOUNCES.glob("*.eml"))
    for path in bounces:
        dovecot.append("INBOX", path.read_bytes())
    # a colleague's reply whose only "Status: Done" is in the quoted history
    dovecot.append("INBOX", _email(colleague, subject, _quoted(ack, ""), in_reply_to=ack_id))
    cli.run("poll", "--once")

    assert _state(cli) == before  # no status, owner, step, stakeholder or event changed
    assert len(smtp_server.messages) == sent_before, "noise was answered"
    assert dovecot.messages("INBOX") == []
    assert len(dovecot.messages("Failed")) == 1  # the outsider's, kept for a person
    listed = cli.json("ignored")
    reasons = [row["reason"] for row in listed]
    for expected in noise:
        assert any(r.startswith(expected) for r in reasons), (expected, reasons)
    assert reasons.count("bounce") == len(bounces)
    assert "reply with no new text above the quote" in reasons
    assert {row["outcome"] for row in listed} == {"ignored", "outsider"}
    text = cli.run("ignored").stdout
    assert "outsider customer@customer.test" in text and "bounce" in text
    assert cli.json("ignored", "--since", "2999-01-01T00:00:00Z") == []


def test_spoofed_colleague_is_an_outsider(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    cli = _cli(tmp_path, database_url, dovecot, smtp_server,
               'trusted_authserv_id = "mx.example.com"')
    signed = b"Authentication-Results: mx.example.com; dmarc=pass header.from=example.com\r\n"
    dovecot.append("INBOX", signed + raw_email(1))
    cli.run("poll", "--once")
    assert [e["id"] for e in cli.json("list")] == ["ESC-1"]
    sent_before = len(smtp_server.messages)

    spoofed = b"Authentication-Results: mx.example.com; dmarc=fail header.from=example.com\r\n"
    dovecot.append("INBOX", spoofed + raw_email(2))
    dovecot.append("INBOX", raw_email(3))  # no verdict from our server at all
    cli.run("poll", "--once")
    assert [e["id"] for e in cli.json("list")] == ["ESC-1"]
    assert len(smtp_server.messages) == sent_before
    assert len(dovecot.messages("Failed")) == 2
    reasons = sorted(row["reason"] for row in cli.json("ignored"))
    assert reasons == ["outsider csm2@example.com (dmarc fail)",
                       "outsider csm3@example.com (dmarc fail)"]


def test_loop_breaker_limits_rejections_never_acknowledgements(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    cli = _cli(tmp_path, database_url, dovecot, smtp_server)
    csm = "Busy CSM <busy.csm@example.com>"
    for n in range(LIMIT + 4):  # unusable: no account, no issue
        dovecot.append("INBOX", _email(csm, f"help {n}", "Can someone look at this?"))
    fifty = 50
    for n in range(fifty):
        dovecot.append("INBOX", _email(csm, f"Escalation: Account {n} \u2013 outage {n}",
                                       f"Issue: outage number {n}\n"))
    cli.run("poll", "--once")

    to_csm = [m.message() for m in smtp_server.messages if "busy.csm@example.com" in m.rcpt_tos]
    assert len(cli.json("list")) == fifty
    assert sum(".ack." in str(m["Message-ID"]) for m in to_csm) == fifty
    rejections = [m for m in to_csm if str(m["Message-ID"]).startswith("<rejection.")]
    assert len(rejections) == LIMIT
    assert len(cli.json("ignored")) == LIMIT + 4  # every rejection listed, answered or not


def test_bounce_of_our_notice_is_recorded_on_its_escalation(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    cli = _cli(tmp_path, database_url, dovecot, smtp_server)
    ack = _open_esc_1(cli, dovecot, smtp_server)
    sent_before = len(smtp_server.messages)
    dovecot.append("INBOX", _dsn(ack, failed=CSM))
    cli.run("poll", "--once")

    events = cli.json("show", "ESC-1")["events"]
    [bounce] = [e for e in events if e["kind"] == "bounce"]
    assert CSM in bounce["detail"]
    assert len(smtp_server.messages) == sent_before  # a bounce is never answered


def _dsn(original: EmailMessage, failed: str) -> bytes:
    """A Postfix-shaped RFC 3464 report returning the headers of one of our emails."""
    boundary = "dsn-boundary-1"
    headers = "".join(f"{k}: {v}\r\n" for k, v in original.items()
                      if k in ("From", "To", "Subject", "Message-ID", "Date"))
    return (
        "Return-Path: <>\r\n"
        "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n"
        "To: escalations@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        f"Message-ID: {make_msgid(domain='mx.example.com')}\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
        f"I'm sorry to have to inform you that your message could not be delivered.\r\n"
        f"<{failed}>: host mx.example.com said: 550 5.1.1 User unknown\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n"
        f"--{boundary}--\r\n"
    ).encode()
