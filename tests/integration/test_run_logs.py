"""What `escalator --log-format json run` writes to stderr, read as a log shipper would: one
JSON object per line; at INFO without -v a line per intake, reply, rejection, ignored
message, notice and delivery with its escalation, message id, sender and outcome; the
dashboard's address; no APScheduler chatter; no password, token or message body."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_run import WAIT, _still_running, _wait_for_ack
from tests.support.cli import Cli, write_config
from tests.support.dovecot import PASSWORD, Account
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port

pytestmark = pytest.mark.integration

TOKEN = "tok-9f8e7d6c5b4a"
BODY = "Issue: the customer's export fails with code 7731"


def _reply(to_ack: EmailMessage) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "CSM 1 <csm1@example.com>"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = "Re: " + str(to_ack["Subject"])
    msg["Message-ID"] = "<reply-1@test.example>"
    msg["In-Reply-To"] = str(to_ack["Message-ID"])
    msg["References"] = str(to_ack["Message-ID"])
    msg.set_content("ack\n")
    return msg.as_bytes()


def test_run_logs_one_json_line_per_outcome(tmp_path: Path, dovecot: Account,
                                            smtp_server: SmtpServer) -> None:
    port = free_port()
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'esc.db'}",
                          dovecot.settings(), smtp_server.settings(),
                          f'\n[web]\nport = {port}\ntoken = "{TOKEN}"\n')
    cli = Cli(config)
    cli.run("init-db")
    proc = subprocess.Popen(
        [sys.executable, "-m", "escalator.cli", "--log-format", "json", "run",
         "--config", str(config)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        dovecot.append("INBOX", raw_email(1, body=BODY))
        _wait_for_ack(smtp_server, "csm1@example.com", proc)
        ack = next(m.message() for m in smtp_server.messages
                   if ".ack." in str(m.message()["Message-ID"]))
        auto = raw_email(2).replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:", 1)
        outsider = raw_email(3).replace(b"csm3@example.com", b"someone@elsewhere.test")
        rejected = raw_email(4).replace(b"Escalation:", b"Question:")
        for raw in (auto, outsider, rejected, _reply(ack)):
            dovecot.append("INBOX", raw)
        deadline = time.monotonic() + WAIT
        while len(dovecot.messages("Processed")) + len(dovecot.messages("Failed")) < 5:
            assert time.monotonic() < deadline, "not every message was handled"
            _still_running(proc)
            time.sleep(0.2)
        time.sleep(1.0)  # the reply's recap, delivered after the poll
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in err.splitlines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in lines)

    def one(**fields: Any) -> dict[str, Any]:
        found = [e for e in lines if all(e.get(k) == v for k, v in fields.items())]
        assert len(found) == 1, (fields, found)
        entry: dict[str, Any] = found[0]
        return entry

    intake = one(outcome="intake")
    assert (intake["message_id"], intake["sender"], intake["escalation"]) == (
        "1@test.example", "csm1@example.com", "ESC-1")
    assert intake["level"] == "INFO"
    assert one(outcome="reply")["escalation"] == "ESC-1"
    assert one(outcome="ignored")["message"].endswith("auto-reply (Auto-Submitted: "
                                                      "auto-replied)")
    assert one(outcome="outsider")["sender"] == "someone@elsewhere.test"
    assert one(outcome="rejected")["message_id"] == "4@test.example"
    assert one(outcome="notice")["message"] == "notice ESC-1: new escalation, manager notified"
    sent = [e for e in lines if e.get("outcome") == "sent"]
    assert {e["kind"] for e in sent} >= {"ack", "new", "rejection", "recap"}
    assert any(e["message"] == f"dashboard at http://127.0.0.1:{port}" for e in lines)
    assert not [e for e in lines if e["logger"].startswith("apscheduler")]
    assert PASSWORD not in err and TOKEN not in err
    assert "7731" not in err and "export fails" not in err  # no body
    assert "Traceback" not in err
