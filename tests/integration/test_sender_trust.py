"""Sender trust through the CLI against Dovecot: with [organization] trusted_authserv_id, an
outsider's forged internal From changes nothing and gets no reply, whatever
Authentication-Results it brings along; without the setting, `run` says it trusts any From.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Cli, write_config
from tests.support.dovecot import Account
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port

pytestmark = pytest.mark.integration
OURS = "mx.example.com"


def _cli(tmp_path: Path, url: str, dovecot: Account, smtp: SmtpServer,
         organization: str = f'trusted_authserv_id = "{OURS}"') -> Cli:
    config = write_config(tmp_path / "config.toml", url, dovecot.settings(), smtp.settings(),
                          f"\n[web]\nport = {free_port()}\n")
    domains = 'internal_domains = ["example.com"]'
    config.write_text(config.read_text().replace(domains, f"{domains}\n{organization}"))
    cli = Cli(config)
    cli.run("init-db")
    return cli


def _email(n: int, subject: str, body: str, results: list[str],
           sender: str = "Vera VP <vera.vp@example.com>", in_reply_to: str = "") -> bytes:
    """As our MX hands it over: its own Authentication-Results on top, the message's below."""
    msg = EmailMessage(policy=SMTP)
    for r in results:
        msg["Authentication-Results"] = r
    msg["Received"] = "from mail.evil.example by mx.example.com; Thu, 26 Nov 2026 09:00 +0000"
    msg["From"] = sender
    msg["To"] = "escalations@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<forged{n}@mail.evil.example>"
    if in_reply_to:
        msg["In-Reply-To"] = msg["References"] = in_reply_to
    msg.set_content(body)
    return msg.as_bytes()


def _state(cli: Cli) -> dict[str, Any]:
    shown = cli.json("show", "ESC-1")
    return {k: shown[k] for k in ("status", "severity", "owner", "acknowledged_at", "steps",
                                  "stakeholders", "events")}


def test_forged_from_with_stacked_results_changes_nothing(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    cli = _cli(tmp_path, database_url, dovecot, smtp_server)
    genuine = [f"{OURS}; spf=pass smtp.mailfrom=example.com; dmarc=pass header.from=example.com"]
    dovecot.append("INBOX", _email(0, "Escalation: Acme \u2013 Login broken",
                                   "Issue: login broken\nSeverity: 3\n", genuine,
                                   sender="Casey CSM <casey.csm@example.com>"))
    cli.run("poll", "--once")
    [ack] = [m.message() for m in smtp_server.messages if ".ack." in str(m.message()["Message-ID"])]
    subject, ack_id = "RE: " + str(ack["Subject"]), str(ack["Message-ID"])
    before, sent_before = _state(cli), len(smtp_server.messages)

    attack = "Status: done\nSeverity: 4\nOwner: vera.vp@example.com\nSteps: close it\n"
    forged = {
        # our MX says fail; the attacker's own header, below, claims our id and a pass
        1: [f"{OURS}; spf=fail smtp.mailfrom=evil.example; dmarc=fail header.from=example.com",
            f"{OURS}; dmarc=pass header.from=example.com"],
        # a pass, but for the attacker's own domain
        2: [f"{OURS}; spf=pass smtp.mailfrom=evil.example; dmarc=pass header.from=evil.example"],
        # no verdict of ours at all; someone else's pass
        3: ["mx.evil.example; dmarc=pass header.from=example.com"],
    }
    for n, results in forged.items():
        dovecot.append("INBOX", _email(n, subject, attack, results, in_reply_to=ack_id))
    dovecot.append("INBOX", _email(4, "Escalation: Initech \u2013 Outage", "Issue: outage\n",
                                   forged[1]))
    cli.run("poll", "--once")

    assert _state(cli) == before
    assert [e["id"] for e in cli.json("list")] == ["ESC-1"]
    assert len(smtp_server.messages) == sent_before, "a forged message was answered"
    assert len(dovecot.messages("Failed")) == 4
    reasons = [row["reason"] for row in cli.json("ignored")]
    assert reasons.count("outsider vera.vp@example.com (dmarc fail)") == 4


def test_run_warns_that_any_from_is_trusted_without_an_authserv_id(
        tmp_path: Path, dovecot: Account, smtp_server: SmtpServer) -> None:
    cli = _cli(tmp_path, f"sqlite:///{tmp_path / 'e.db'}", dovecot, smtp_server, organization="")
    proc = subprocess.Popen(
        [sys.executable, "-m", "escalator.cli", "run", "--config", str(cli.config)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    guard = threading.Timer(60, proc.kill)  # only a broken run waits this long
    guard.start()
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate()
        guard.cancel()
    assert "WARNING" in first and "trusted_authserv_id is not set" in first, first + rest
    assert "forged" in first
    assert proc.returncode == 0, rest
