"""Small things a new user meets, through the CLI on Dovecot, aiosmtpd, SQLite and PostgreSQL:
the account directory's spelling wins everywhere once imported, `ignored` says each reason
once, `show` of an impossible id is one line, its text has no Python reprs, and it ends
quietly when its reader goes away."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.integration.test_flow import reply_to, sent_to
from tests.support.cli import Cli
from tests.support.dovecot import Account
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

REPRS = re.compile(r"\bNone\b|\[['\"]|\bb'|\bb\"")  # None, ['a', 'b'], b'…'


def _intake(account: str) -> bytes:
    return raw_email(1).replace(b"Account 1", account.encode())


def test_the_directorys_spelling_is_used_once_imported(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer, tmp_path: Path) -> None:
    dovecot.append("INBOX", _intake("initech ltd"))
    cli.run("poll", "--once")
    assert cli.json("show", "ESC-1")["account"] == "initech ltd"
    directory = tmp_path / "accounts.csv"
    directory.write_text("name,arr\nInitech Ltd,250000\n")
    cli.run("accounts", "import", str(directory))

    assert [e["account"] for e in cli.json("list")] == ["Initech Ltd"]
    assert cli.json("show", "ESC-1")["account"] == "Initech Ltd"
    assert "Initech Ltd" in cli.run("list").stdout
    assert [e["id"] for e in cli.json("list", "--account", "Initech Ltd")] == ["ESC-1"]
    [ack] = sent_to(smtp_server, "csm1@example.com", "Received")
    dovecot.append("INBOX", reply_to(ack, "CSM 1 <csm1@example.com>", "Note: called them"))
    cli.run("poll", "--once")
    recaps = [m for m in sent_to(smtp_server, "csm1@example.com")
              if m["Message-ID"] != ack["Message-ID"]]
    assert recaps and all("Initech Ltd" in str(m["Subject"]) for m in recaps)


def test_ignored_says_each_reason_once(cli: Cli, dovecot: Account) -> None:
    outsider = EmailMessage()
    outsider["From"] = "A Customer <customer@customer.test>"
    outsider["To"] = "escalations@example.com"
    outsider["Subject"] = "Your product"
    outsider["Message-ID"] = "<outsider-1@customer.test>"
    outsider.set_content("It broke.")
    dovecot.append("INBOX", bytes(outsider))
    cli.run("poll", "--once")
    [line] = cli.run("ignored").stdout.splitlines()
    assert line.count("customer@customer.test") == 1, line
    assert "outsider customer@customer.test" in line and "[Your product]" in line


def test_show_is_one_line_for_no_such_escalation_and_has_no_reprs(
        cli: Cli, dovecot: Account) -> None:
    for wanted in ("ESC-99999999999999999999", "ESC-2147483648", "ESC-7"):
        proc = cli.run("show", wanted, check=False)
        assert (proc.returncode, proc.stdout) == (1, "")
        assert proc.stderr == f"escalator: {wanted}: no such escalation\n"
    with_file = EmailMessage()
    with_file["From"] = "CSM 1 <csm1@example.com>"
    with_file["To"] = "escalations@example.com"
    with_file["Subject"] = "Escalation: Account 1 – test"
    with_file["Message-ID"] = "<1@test.example>"
    with_file.set_content("Issue: number 1\n")
    with_file.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf",
                             filename="invoice.pdf")
    dovecot.append("INBOX", bytes(with_file))
    cli.run("poll", "--once")
    shown = cli.run("show", "ESC-1").stdout
    assert not REPRS.search(shown) and "{" not in shown, shown
    assert re.search(r"attachments: filename invoice\.pdf, content_type application/pdf", shown)
    assert re.search(r"stakeholders: csm1@example\.com; maya\.manager@example\.com\n", shown)
    assert re.search(r"resolved_at: —\n", shown)


def test_show_piped_into_a_reader_that_stops_ends_quietly(cli: Cli, dovecot: Account) -> None:
    dovecot.append("INBOX", raw_email(1))
    cli.run("poll", "--once")
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head -0`: nobody will read what show writes
    proc = subprocess.run(
        [sys.executable, "-m", "escalator.cli", "show", "ESC-1", "--config", str(cli.config)],
        stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60,
        cwd=cli.config.parent)
    os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 141  # as a tool stopped by SIGPIPE


def test_a_wrong_imap_password_is_one_readable_line(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    from tests.support.cli import ready_cli

    cli = ready_cli(tmp_path, database_url, dovecot.settings(password="wrong"),
                    smtp_server.settings())
    proc = cli.run("poll", "--once", check=False)
    assert proc.returncode == 1
    [line] = proc.stderr.splitlines()
    assert line.startswith("escalator: ") and "login refused" in line
    assert not REPRS.search(line), line
