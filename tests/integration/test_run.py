"""`escalator run` as a user starts it: a subprocess against Dovecot (IDLE) and aiosmtpd.

An escalation appended to the inbox, or handed to the SMTP intake, is acknowledged while
the service runs; SIGTERM ends it cleanly with exit code 0. Timeouts are generous: these
tests prove the wiring, not the speed (bench/ measures that).
"""

from __future__ import annotations

import signal
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.cli import Cli, write_config
from tests.support.dovecot import Account
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port

pytestmark = pytest.mark.integration

WAIT = 30.0


def _cli(tmp_path: Path, url: str, dovecot: Account, smtp: SmtpServer, extra: str = "") -> Cli:
    config = write_config(tmp_path / "config.toml", url, dovecot.settings(), smtp.settings(),
                          f"\n[web]\nport = {free_port()}\n{extra}")
    cli = Cli(config)
    cli.run("init-db")
    return cli


@contextmanager
def _running(cli: Cli) -> Iterator[subprocess.Popen[str]]:
    """`escalator run` in the background; stopped with SIGTERM, which must exit 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "escalator.cli", "run", "--config", str(cli.config)],
        cwd=cli.config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"escalator run ignored SIGTERM:\n{err}") from None
    assert proc.returncode == 0, f"escalator run exited {proc.returncode}:\n{out}\n{err}"
    assert "Traceback" not in err, err


def _wait_for_ack(smtp: SmtpServer, to: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if any(to in m.rcpt_tos and ".ack." in str(m.message()["Message-ID"])
               for m in list(smtp.messages)):
            return
        _still_running(proc)
        time.sleep(0.1)
    raise AssertionError(f"no acknowledgement to {to} within {WAIT} s")


def test_run_acknowledges_mail_arriving_over_imap_then_stops_on_sigterm(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    cli = _cli(tmp_path, database_url, dovecot, smtp_server)
    with _running(cli) as proc:
        time.sleep(1.0)  # let it reach IDLE on the empty inbox: the new mail must wake it
        dovecot.append("INBOX", raw_email(1))
        _wait_for_ack(smtp_server, "csm1@example.com", proc)
    assert [e["id"] for e in cli.json("list")] == ["ESC-1"]
    assert dovecot.messages("INBOX") == [] and len(dovecot.messages("Processed")) == 1


def test_run_takes_mail_over_smtp_intake(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    port = free_port()
    cli = _cli(tmp_path, database_url, dovecot, smtp_server,
               f'\n[smtp_intake]\nhost = "127.0.0.1"\nport = {port}\nmax_message_bytes = 100000\n')
    with _running(cli) as proc:
        client = _connect(port, proc)
        with client:
            client.sendmail("csm2@example.com", ["escalations@example.com"], raw_email(2))
            code, _ = client.mail("csm3@example.com", ["SIZE=200000"])
            assert code == 552  # over max_message_bytes: refused before the body
        _wait_for_ack(smtp_server, "csm2@example.com", proc)
    assert [e["csm"] for e in cli.json("list")] == ["csm2@example.com"]


def _connect(port: int, proc: subprocess.Popen[str]) -> smtplib.SMTP:
    deadline = time.monotonic() + WAIT
    while True:
        try:
            return smtplib.SMTP("127.0.0.1", port, timeout=WAIT)
        except OSError:
            _still_running(proc)
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _still_running(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        assert proc.stderr is not None
        raise AssertionError(f"escalator run exited {proc.returncode}: {proc.stderr.read()}")


def test_run_wakes_at_the_deadline_not_at_the_next_interval_sweep(
        tmp_path: Path, dovecot: Account, smtp_server: SmtpServer) -> None:
    """A 6-second response target: the breach notice comes from the deadline wake-up, well
    before the 30-second interval sweep would have sent it."""
    short = "".join(f'\n[severity.{n}]\nresponse = "0.1m"\n' for n in (1, 2, 3, 4))
    cli = _cli(tmp_path, f"sqlite:///{tmp_path / 'esc.db'}", dovecot, smtp_server, short)
    with _running(cli) as proc:
        time.sleep(1.0)
        dovecot.append("INBOX", raw_email(1))
        _wait_for_ack(smtp_server, "csm1@example.com", proc)
        acked = time.monotonic()
        while time.monotonic() - acked < 20:  # the interval sweep would come at 30 s
            if any("SLA breach" in str(m.message()["Subject"]) for m in list(smtp_server.messages)):
                break
            _still_running(proc)
            time.sleep(0.1)
        else:
            raise AssertionError("no breach notice within 20 s of a 6-second target")


def test_run_with_a_wrong_imap_password_exits_with_one_line(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    config = write_config(tmp_path / "config.toml", database_url,
                          dovecot.settings(password="not-the-password"), smtp_server.settings(),
                          f"\n[web]\nport = {free_port()}\n")
    cli = Cli(config)
    cli.run("init-db")
    proc = subprocess.run(
        [sys.executable, "-m", "escalator.cli", "run", "--config", str(cli.config)],
        cwd=cli.config.parent, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    *logged, line = proc.stderr.strip().splitlines()
    assert line.startswith(f"escalator: IMAP {dovecot.user}@127.0.0.1:"), proc.stderr
    assert "login refused" in line and "Traceback" not in proc.stderr
    assert not [x for x in logged if "imap" in x.lower()], proc.stderr  # said once, not twice


def test_a_relay_that_never_answers_data_does_not_hold_intake_back(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    """Its socket timeout is an hour: with delivery on the IMAP thread, the second
    escalation would wait for it. Intake goes on; the mail waits in the outbox."""
    smtp_server.hang_data = True
    config = write_config(tmp_path / "config.toml", database_url, dovecot.settings(),
                          smtp_server.settings(), f"\n[web]\nport = {free_port()}\n")
    config.write_text(config.read_text().replace("timeout_seconds = 10",
                                                 "timeout_seconds = 3600"))
    cli = Cli(config)
    cli.run("init-db")
    with _running(cli) as proc:
        dovecot.append("INBOX", raw_email(1))
        _wait_for_escalations(cli, proc, 1)
        dovecot.append("INBOX", raw_email(2))
        _wait_for_escalations(cli, proc, 2)
    assert smtp_server.messages == []  # nothing was accepted; it stays in the outbox
    assert len(dovecot.messages("Processed")) == 2


def _wait_for_escalations(cli: Cli, proc: subprocess.Popen[str], count: int) -> None:
    deadline = time.monotonic() + 60  # generous: this proves the wiring, not the speed
    while time.monotonic() < deadline:
        if len(cli.json("list")) >= count:
            return
        _still_running(proc)
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} escalations recorded within 60 s")
