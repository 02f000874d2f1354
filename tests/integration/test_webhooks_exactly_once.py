"""Webhooks exactly once and in order through `escalator run`, with SIGKILLs mid-run.

`escalator run` subprocesses read a real Dovecot (escalations, then replies that change
them), send mail to a real aiosmtpd and post webhooks to a real HTTP receiver on loopback,
on SQLite and PostgreSQL; each is killed with SIGKILL at a random moment and started
again. At the end the receiver has every event of every escalation's trail, verified with
the secret, in the trail's order, each webhook-id once, but for the one duplicate a kill
can cause (as for email, test_intake_exactly_once.py): a kill after the receiver's 200
and before the row is marked sent posts it again, the same webhook-id, after the lease.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from escalator.db import Database
from models import OutboxMessage
from tests.channels.helpers import SECRET, trail_types
from tests.support.cli import Cli, write_config
from tests.support.dovecot import Account
from tests.support.http_receiver import HttpReceiver, Posted
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port

pytestmark = pytest.mark.integration

ESCALATIONS = 8
KILL_ROUNDS = 3
WAIT = 90.0


def _reply(n: int, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Maya Manager <maya.manager@example.com>"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = f"RE: [ESC-{n}] Escalation: Account {n} \u2013 test"
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    msg.set_content(f"{body}\n")
    return bytes(msg)


def _run(cli: Cli) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "escalator.cli", "run", "--config", str(cli.config)],
        cwd=cli.config.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_rounds(cli: Cli, receiver: HttpReceiver, rng: random.Random,
                 kills: list[int]) -> None:
    for _ in range(KILL_ROUNDS):
        before = len(receiver.requests)
        proc = _run(cli)
        # kill while posts flow (start-up time varies with the machine's load): once this
        # run has posted, a moment later; or after 10 s when nothing is left to post
        deadline = time.monotonic() + 10
        while len(receiver.requests) == before and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(0.2)  # a post in flight lands (or not) before we count
        kills.append(len(receiver.requests))
        assert proc.stderr is not None
        assert b"Traceback" not in proc.stderr.read()
        proc.stderr.close()
        time.sleep(1.2)  # past the lease of a row the killed sender held


def _unsent(db: Database) -> int:
    with db.transaction() as session:
        return len(list(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status != "sent"))))


def _until_it_catches_sigterm(proc: subprocess.Popen[bytes]) -> None:
    """Until `run` has its SIGTERM handler (the signal's bit in /proc's SigCgt mask)."""
    deadline = time.monotonic() + WAIT
    while proc.poll() is None and time.monotonic() < deadline:
        status = Path(f"/proc/{proc.pid}/status").read_text()
        caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
        if int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.1)


def _until_done(cli: Cli, db: Database, dovecot: Account) -> None:
    proc = _run(cli)
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if not dovecot.messages("INBOX") and _unsent(db) == 0:
                break
            assert proc.poll() is None, "escalator run stopped"
            time.sleep(0.3)
        else:
            raise AssertionError(f"{_unsent(db)} outbox rows still unsent after {WAIT} s")
    finally:
        _until_it_catches_sigterm(proc)  # drained before run started: SIGTERM would kill it
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stderr.close()
    assert proc.returncode == 0 and b"Traceback" not in err, err.decode()


def test_sigkill_mid_run_every_event_once_in_order(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    receiver = HttpReceiver().start()
    try:
        extra = (f'\n[web]\nport = {free_port()}\n\n[webhooks.crm]\n'
                 f'url = "{receiver.url("/crm")}"\nsecret = "{SECRET}"\n')
        config = write_config(tmp_path / "config.toml", database_url, dovecot.settings(),
                              smtp_server.settings(), extra)
        config.write_text(config.read_text().replace(
            "timeout_seconds = 10", "timeout_seconds = 10\nlease_seconds = 1"))
        cli = Cli(config)
        cli.run("init-db")
        db = Database(database_url)
        rng = random.Random(int(os.environ.get("ESCALATOR_KILL_SEED", "7")))
        kills: list[int] = []

        for n in range(1, ESCALATIONS + 1):
            dovecot.append("INBOX", raw_email(n))
        _kill_rounds(cli, receiver, rng, kills)
        _until_done(cli, db, dovecot)
        for n in range(1, ESCALATIONS + 1):
            dovecot.append("INBOX", _reply(n, "ack"))
            dovecot.append("INBOX", _reply(n, "Status: working"))
            if n % 2:
                dovecot.append("INBOX", _reply(n, "Note: customer called back"))
                dovecot.append("INBOX", _reply(n, "Status: done"))
        _kill_rounds(cli, receiver, rng, kills)
        _until_done(cli, db, dovecot)
        assert len(kills) == 2 * KILL_ROUNDS
        assert any(0 < k < len(receiver.requests) for k in kills), "no kill mid-stream"

        posts = list(receiver.requests)
        allowed = {posts[k - 1].headers["webhook-id"] for k in kills if k}
        seen: dict[str, Posted] = {}
        for p in posts:
            wid = p.headers["webhook-id"]
            if wid in seen:
                assert wid in allowed and p.body == seen[wid].body, f"{wid} posted twice"
                continue
            seen[wid] = p
        order: dict[str, list[str]] = {}
        for p in seen.values():
            data = Webhook(SECRET).verify(p.body, p.headers)["data"]
            order.setdefault(data["escalation"]["id"], []).append(data["event"]["type"])
        expected = trail_types(db)
        assert order == expected
        assert all(order[f"ESC-{n}"][:3] == ["opened", "acknowledged", "status"]
                   for n in range(1, ESCALATIONS + 1))
        assert sum(len(v) for v in order.values()) >= ESCALATIONS * 3
        db.dispose()
    finally:
        receiver.stop()
