"""Acceptance for issue 6, through the CLI: every email Escalator sends, as a client sees it.

Two escalations (one with markup and non-ASCII typed by its CSM) go through intake, a
breach and a reply with a command that is not understood. Every message the aiosmtpd
recorder received is then checked, and appended to a Dovecot folder whose THREAD
REFERENCES must show one conversation per escalation.
"""

from __future__ import annotations

import re
from collections import Counter
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from pathlib import Path

import pytest
from imapclient import IMAPClient  # type: ignore[import-untyped]

from tests.integration.test_flow import reply_to
from tests.support.cli import Cli
from tests.support.dovecot import Account
from tests.support.parts import body_text
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

MAILBOX = "escalations@example.com"
TAG = re.compile(r"\[ESC-(\d+)\]")


def escalation(sender: str, subject: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = f"Escalations <{MAILBOX}>"
    msg["Cc"] = "Pat Peer <pat.peer@example.com>"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    msg.set_content(body)
    return bytes(msg)


def test_every_email_is_tagged_threaded_safe_and_auto_generated(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer) -> None:
    dovecot.append("INBOX", escalation(
        "Carla CSM <carla.csm@example.com>",
        "Escalation: Initech – Recurring feature complaints",
        "Issue: Recurring feature complaints\nRisk Level: High\nActions Taken:\n- training\n"))
    dovecot.append("INBOX", escalation(
        "Jürgen Groß <juergen.gross@example.com>",
        "Escalation: Müller <b>GmbH</b> – Login <script>alert(1)</script> fails",
        "Issue: Login <script>alert(1)</script> fails for everyone\nSeverity: 2\n"
        "Steps to Resolve: <img src=x onerror=alert(2)> restart SSO\n"))
    assert "2 processed" in cli.run("poll", "--once").stdout
    escalations = cli.json("list")
    assert [e["id"] for e in escalations] == ["ESC-1", "ESC-2"]
    due = max(e["response_due_at"] for e in escalations)
    cli.run("tick", "--at", due.replace("Z", "+00:00"))  # both breach: the VP is told
    breach = next(m.message() for m in smtp_server.messages
                  if "SLA breach" in str(m.message()["Subject"])
                  and "ESC-2" in str(m.message()["Subject"]))
    dovecot.append("INBOX", reply_to(breach, "Vera VP <vera.vp@example.com>",
                                     "Status: working\nSeverity: 7\n"))
    cli.run("poll", "--once")

    received = [m.message() for m in smtp_server.messages]
    kinds = Counter(str(m["Message-ID"]).split(".")[1] for m in received)
    assert {"ack", "new", "breach", "recap"} <= set(kinds), kinds
    message_ids = [str(m["Message-ID"]) for m in received]
    assert len(set(message_ids)) == len(message_ids)
    first_of: dict[str, str] = {}
    for raw, msg in zip(smtp_server.messages, received, strict=True):
        subject = str(msg["Subject"])
        number = TAG.search(subject)
        assert number, subject
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert re.fullmatch(r"<esc-\d+\.[a-z_]+\.[0-9a-f]+@example\.com>", str(msg["Message-ID"]))
        assert msg["Auto-Submitted"] == "auto-generated"
        assert msg["X-Auto-Response-Suppress"] == "All"
        assert str(msg["Reply-To"]) == MAILBOX
        addresses = [a.lower() for _, a in getaddresses(msg.get_all("To", []) +
                                                        msg.get_all("Cc", []))]
        assert MAILBOX not in addresses and MAILBOX not in raw.rcpt_tos
        assert len(addresses) == len(set(addresses)), "a person appears once"
        assert msg["In-Reply-To"] and msg["References"]  # every one answers the CSM's thread
        root = first_of.setdefault(number.group(1), str(msg["Message-ID"]))
        if root != str(msg["Message-ID"]):
            assert root in str(msg["References"]) and str(msg["In-Reply-To"]) == root
        html = body_text(msg, "html")
        text = body_text(msg)
        assert "<script" not in html.lower() and "<img" not in html.lower()
        if number.group(1) == "2":
            assert "Müller &lt;b&gt;GmbH&lt;/b&gt;" in html and "Müller <b>GmbH</b>" in text
            assert "Müller <b>GmbH</b>" in subject  # RFC 2047 decoded back intact

    raw_subject = next(m.data for m in smtp_server.messages if b"ESC-2" in m.data)
    assert re.search(rb"^Subject: .*=\?utf-8\?", raw_subject, re.M | re.I)  # encoded on the wire

    # the reply's recap goes To the owner, Cc the others; the bad line is reported
    recap = next(m for m in reversed(received) if ".recap." in str(m["Message-ID"]))
    assert "Severity: 7" in body_text(recap)
    assert len(getaddresses(recap.get_all("To", []))) == 1 and recap["Cc"]

    # one conversation per escalation, as an IMAP server threads them
    for raw in smtp_server.messages:
        dovecot.append("Sent-Check", raw.data)
    s = dovecot.settings()
    with IMAPClient(s.host, port=s.port, ssl=False) as client:
        client.login(s.username, s.password)
        client.select_folder("Sent-Check", readonly=True)
        threads = client.thread("REFERENCES")
        subjects = {uid: str(data[b"ENVELOPE"].subject) for uid, data in
                    client.fetch(client.search(), ["ENVELOPE"]).items()}
    assert len(threads) == 2, threads

    for thread in threads:
        tags = {TAG.findall(subjects[uid])[0] for uid in _uids(thread)}
        assert len(tags) == 1, tags


def _uids(node: object) -> list[int]:
    """The message numbers of one THREAD answer, nested tuples flattened."""
    if isinstance(node, int):
        return [node]
    assert isinstance(node, tuple | list)
    return [uid for child in node for uid in _uids(child)]


def test_a_broken_team_template_stops_tick_with_one_line(
        cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "team-templates"
    folder.mkdir()
    (folder / "recap.txt").write_text("Hello {{ esc.id }\n")
    config = cli.config.read_text() + f'\n[templates]\ndir = "{folder}"\n'
    cli.config.write_text(config)
    proc = cli.run("tick", check=False)
    assert proc.returncode == 1
    line = proc.stderr.strip()
    assert "\n" not in line and line.startswith(f"escalator: {folder / 'recap.txt'}:1: ")
    (folder / "recap.txt").write_text("Hello {{ esc.id }} {{ esc.account }}\n")
    assert "tick at" in cli.run("tick").stdout
