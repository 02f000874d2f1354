"""The ladder on real databases: exactly once across instances, catch-up, crashes, replies.

Escalations are opened through the service (as intake would) to keep setup fast; every
tick and every assertion goes through the CLI and the real SMTP server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from escalator import config
from escalator.db import Database
from escalator.service.intake import handle_message
from models import Notice, OutboxMessage
from tests.support.cli import Cli, ready_cli, write_config
from tests.support.database import fresh_postgres
from tests.support.dovecot import Account
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def escalation_email(n: int, severity: int = 2) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"csm{n % 7}@example.com"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = f"Escalation: Account {n} – Exports failing"
    msg["Message-ID"] = f"<intake-{n}@mail.example.com>"
    msg.set_content(f"Issue: exports fail for account {n}\nSeverity: {severity}\n")
    return bytes(msg)


def open_many(cli: Cli, count: int, severity: int = 2) -> Database:
    settings = config.load(cli.config, env={})
    db = Database(settings.database.url)
    for n in range(count):
        handle_message(db, settings, escalation_email(n, severity), T0)
    return db


def breach_counts(smtp: SmtpServer) -> Counter[tuple[str, str]]:
    """(subject's ESC id, recipient) for every breach notice the server accepted."""
    seen: Counter[tuple[str, str]] = Counter()
    for m in smtp.messages:
        subject = str(m.message()["Subject"])
        if "SLA breach" in subject:
            esc = subject.split("]")[0].strip("[")
            for rcpt in m.rcpt_tos:
                seen[(esc, rcpt)] += 1
    return seen


@pytest.fixture
def cli(tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> Cli:
    return ready_cli(tmp_path, database_url, dovecot.settings(), smtp_server.settings(),
                     extra="[warnings]\nat = [0.5]\n")


def test_downtime_catches_up_every_rung_in_order_each_once(
        cli: Cli, smtp_server: SmtpServer) -> None:
    open_many(cli, 1, severity=3).dispose()  # manager first; 24h windows
    cli.run("tick", "--at", (T0 + timedelta(days=9)).isoformat())
    cli.run("tick", "--at", (T0 + timedelta(days=9, minutes=1)).isoformat())
    breaches = [m for m in smtp_server.messages if "SLA breach" in str(m.message()["Subject"])]
    assert [m.rcpt_tos[0] for m in breaches] == [
        "dan.director@example.com", "vera.vp@example.com", "erin.ceo@example.com"]
    shown = cli.json("show", "ESC-1")
    assert shown["rung"] == "executive" and shown["next_escalation_at"] is None
    details = [e["detail"] for e in shown["events"] if e["kind"] == "breach"]
    assert [d.split("due ")[1][:16] for d in details] == [
        "2026-11-27 09:00", "2026-11-28 09:00", "2026-11-29 09:00"]


def test_warning_then_breach_each_once(cli: Cli, smtp_server: SmtpServer) -> None:
    open_many(cli, 1).dispose()  # severity 2: 4h response, warning at 50%
    for minutes in (119, 120, 121, 200):
        cli.run("tick", "--at", (T0 + timedelta(minutes=minutes)).isoformat())
    subjects = [str(m.message()["Subject"]) for m in smtp_server.messages]
    warnings = [s for s in subjects if "Warning" in s]
    assert len(warnings) == 1 and "response" in warnings[0]
    assert not any("SLA breach" in s for s in subjects)
    cli.run("tick", "--at", (T0 + timedelta(hours=4)).isoformat())
    assert breach_counts(smtp_server) == Counter({("ESC-1", "vera.vp@example.com"): 1})


def test_waiting_stops_the_clock_and_moves_due_times(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer) -> None:
    open_many(cli, 1).dispose()
    before = cli.json("show", "ESC-1")
    reply = EmailMessage()
    reply["From"] = "dan.director@example.com"
    reply["To"] = "escalations@example.com"
    reply["Subject"] = "Re: [ESC-1] New escalation"
    reply["Message-ID"] = "<wait-1@mail.example.com>"
    reply.set_content("Status: waiting\nCustomer is sending logs.")
    dovecot.append("INBOX", bytes(reply))
    cli.run("poll", "--once")
    paused = cli.json("show", "ESC-1")
    assert paused["status"] == "waiting" and paused["next_escalation_at"] is None
    cli.run("tick", "--at", (T0 + timedelta(days=30)).isoformat())
    assert breach_counts(smtp_server) == Counter()
    assert paused["acknowledged_at"] is None and before["response_due_at"]


def test_two_concurrent_ticks_notify_each_rung_exactly_once(
        tmp_path: Path, dovecot: Account, smtp_server: SmtpServer) -> None:
    """Several instances share one PostgreSQL database (SQLite has one writer anyway)."""
    with fresh_postgres() as url:
        path = write_config(tmp_path / "config.toml", url, dovecot.settings(),
                            smtp_server.settings())
        cli = Cli(path)
        cli.run("init-db")
        _two_ticks(cli, smtp_server)


def _two_ticks(cli: Cli, smtp_server: SmtpServer) -> None:
    db = open_many(cli, 200)
    at = (T0 + timedelta(hours=8, minutes=1)).isoformat()  # two missed response windows
    procs = [subprocess.Popen(
        [sys.executable, "-m", "escalator.cli", "tick", "--at", at, "--config", str(cli.config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    counts = breach_counts(smtp_server)
    expected = {(f"ESC-{n}", rung) for n in range(1, 201)
                for rung in ("vera.vp@example.com", "erin.ceo@example.com")}
    assert set(counts) == expected
    assert set(counts.values()) == {1}
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Notice)
                        .where(Notice.target == "response")) == 400
    db.dispose()


class _Hanging:
    """An SMTP server that accepts DATA only once released: the tick is killed meanwhile."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.received: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.started.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        self.received.append(envelope.original_content)
        return "250 OK"


def test_killed_between_decision_and_delivery_loses_and_doubles_nothing(
        tmp_path: Path, database_url: str, dovecot: Account) -> None:
    hanging = _Hanging()
    port = free_port()
    controller = Controller(hanging, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        from escalator.settings import SmtpSettings

        path = write_config(tmp_path / "config.toml", database_url, dovecot.settings(),
                            SmtpSettings(host="127.0.0.1", port=port,
                                         from_address="escalations@example.com"))
        path.write_text(path.read_text().replace("timeout_seconds = 10",
                                                 "timeout_seconds = 10\nlease_seconds = 1"))
        cli = Cli(path)
        cli.run("init-db")
        db = open_many(cli, 3)
        hanging.release.set()  # let the acknowledgements through first
        cli.run("tick", "--at", T0.isoformat())
        hanging.release.clear()
        hanging.started.clear()
        acks = len(hanging.received)
        at = (T0 + timedelta(hours=4, minutes=1)).isoformat()
        proc = subprocess.Popen([sys.executable, "-m", "escalator.cli", "tick", "--at", at,
                                 "--config", str(path)], stderr=subprocess.PIPE)
        assert hanging.started.wait(60), "the tick never reached the SMTP server"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with db.transaction() as s:  # decided and committed before delivery began
            assert s.scalar(select(func.count()).select_from(Notice)
                            .where(Notice.target == "response")) == 3
            assert s.scalar(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.kind == "breach")) == 3
        hanging.release.set()
        time.sleep(1.2)  # the dead sender's lease runs out
        cli.run("tick", "--at", at)
        cli.run("tick", "--at", at)
        ids = Counter(_message_id(raw) for raw in hanging.received[acks:])
        breach_ids = {k for k in ids if ".breach." in k}
        assert len(breach_ids) == 3  # every notice delivered
        assert all(ids[k] <= 2 for k in breach_ids)  # the one in flight at most twice
        assert sum(ids[k] for k in breach_ids) <= 4
        with db.transaction() as s:
            assert s.scalar(select(func.count()).select_from(Notice)
                            .where(Notice.target == "response")) == 3
            assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
        db.dispose()
    finally:
        hanging.release.set()
        controller.stop()


def _message_id(raw: bytes) -> str:
    from email import message_from_bytes

    return str(message_from_bytes(raw)["Message-ID"]).strip("<>")
