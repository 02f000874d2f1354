"""Fault injection: `escalator run` while its mailbox, its SMTP relay and its database go away
in turn, each for a while, during a run of N escalation emails (and some replies).

After each comes back: every escalation recorded exactly once (one per account), every
email of the outbox received exactly once (by Message-ID: none twice, none missing, one
acknowledgement per escalation), the replies applied; while it is away: /readyz red, the
process idle (CPU time over a quiet interval well below a busy loop: a resource check, not
a timing one), and its log names the server that went away and says that it came back.

Dovecot, aiosmtpd and a PostgreSQL cluster of the test's own (tests/support/postgres.py),
so stopping them disturbs no other test; SQLite runs the mailbox and SMTP outages.
ESCALATOR_FAULT_MESSAGES sets N (default 200; the issue's 500 take about 4 min a test).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.integration.test_flow import reply_to
from tests.integration.test_health_run import readyz
from tests.support.cli import Cli, write_config
from tests.support.dovecot import Account, Dovecot
from tests.support.postgres import Cluster
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port

pytestmark = pytest.mark.integration

MESSAGES = int(os.environ.get("ESCALATOR_FAULT_MESSAGES", "200"))
SETTLE = 240.0  # outbox retries back off (30 s, 60 s, ...) after an outage
QUIET = 5.0  # seconds of CPU sampling while a dependency is away
BUSY_SHARE = 0.5  # of one core: a busy loop would use all of it
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Run:
    """One `escalator run` and what the test has sent it."""

    def __init__(self, tmp_path: Path, url: str, mailbox: Account, smtp: SmtpServer) -> None:
        self.url, self.mailbox, self.smtp = url, mailbox, smtp
        self.web = free_port()
        config = write_config(tmp_path / "config.toml", url, mailbox.settings(),
                              smtp.settings(timeout_seconds=5),
                              f'\n[web]\nport = {self.web}\n'
                              '\n[health]\nsmtp_failing_after = "0.1m"\n')
        config.write_text(config.read_text().replace(
            'folder = "INBOX"\n', 'folder = "INBOX"\npoll_seconds = 1\n', 1))
        self.cli = Cli(config)
        self.cli.run("init-db")
        self.log = tmp_path / "run.log"
        self.sent = 0  # escalation emails appended, numbered 1..sent
        self.replied: list[int] = []  # escalation numbers answered "Status: Working"
        self.proc: subprocess.Popen[bytes] | None = None

    # -- the process ---------------------------------------------------------------
    @contextmanager
    def running(self) -> Iterator[Run]:
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "escalator.cli", "run", "--config", str(self.cli.config)],
                cwd=self.cli.config.parent, stdout=subprocess.DEVNULL, stderr=err)
        try:
            yield self
        finally:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"escalator run ignored SIGTERM:\n{self.tail()}") from None
        assert self.proc.returncode == 0, f"run exited {self.proc.returncode}:\n{self.tail()}"
        logged = self.logged()
        at = logged.find("Traceback")
        assert at < 0, logged[max(0, at - 500):at + 3000]  # one line per fault, no traceback

    def logged(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self) -> str:
        return self.logged()[-4000:]

    def alive(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"escalator run exited {self.proc.returncode}:\n{self.tail()}")

    def wait(self, what: str, until: Callable[[], Any], limit: float = SETTLE) -> Any:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            found = until()
            if found:
                return found
            self.alive()
            time.sleep(0.5)
        raise AssertionError(f"not within {limit} s: {what}\n{self.tail()}")

    def cpu_share(self, seconds: float = QUIET) -> float:
        """The run process's CPU time (every thread) over `seconds`, as a share of one core."""
        assert self.proc is not None
        stat = Path(f"/proc/{self.proc.pid}/stat")

        def used() -> float:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime

        before, start = used(), time.monotonic()
        time.sleep(seconds)
        return (used() - before) / (time.monotonic() - start)

    def ready(self) -> dict[str, Any] | None:
        try:
            found = readyz(self.web)
        except OSError:
            return None
        return found[1] if found else None

    def check(self, name: str, ok: bool) -> Callable[[], Any]:
        def looks() -> Any:
            body = self.ready()
            return body if body and body["checks"].get(name, {}).get("ok") is ok else None
        return looks

    # -- the mail ------------------------------------------------------------------
    def send(self, count: int) -> None:
        """Append the next `count` escalation emails, one at a time as they would arrive."""
        for n in range(self.sent + 1, self.sent + count + 1):
            self.mailbox.append("INBOX", raw_email(n))
            self.sent = n

    def reply(self, numbers: list[int]) -> None:
        """Each CSM answers its acknowledgement: Status: Working."""
        for n in numbers:
            [ack] = [m.message() for m in list(self.smtp.messages) if _is_ack(m.data, n)]
            self.mailbox.append("INBOX", reply_to(ack, f"CSM {n} <csm{n}@example.com>",
                                                  f"Status: Working\nCalled them, number {n}."))
            self.replied.append(n)

    def outbox(self) -> list[tuple[str, str]]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return [(r[0].strip("<>"), r[1]) for r in conn.execute(
                    text("SELECT message_id, status FROM outbox ORDER BY id"))]
        finally:
            engine.dispose()

    def settled(self) -> bool:
        """Every email recorded and every email of the outbox received."""
        if len(self.cli.json("list")) < self.sent:
            return False
        rows = self.outbox()
        received = {_message_id(m.data) for m in list(self.smtp.messages)}
        return all(s == "sent" for _, s in rows) and {m for m, _ in rows} <= received

    def assert_exactly_once(self) -> None:
        self.wait(f"{self.sent} escalations recorded and their email delivered", self.settled)
        listed = self.cli.json("list")
        assert len(listed) == self.sent
        assert Counter(e["account"] for e in listed) == Counter(
            f"Account {n}" for n in range(1, self.sent + 1))
        working = {e["account"] for e in listed if e["status"] == "working"}
        assert working == {f"Account {n}" for n in self.replied}
        ids = Counter(_message_id(m.data) for m in list(self.smtp.messages))
        assert [m for m, k in ids.items() if k > 1] == []  # none twice
        rows = self.outbox()
        assert sorted(ids) == sorted(m for m, _ in rows)  # none missing, none from elsewhere
        acks = Counter(n for m in list(self.smtp.messages) for n in [_ack_number(m.data)] if n)
        assert acks == Counter(range(1, self.sent + 1))

    def assert_idle_while_away(self, what: str) -> float:
        share = self.cpu_share()
        assert share < BUSY_SHARE, f"{share:.0%} of a core while {what} is away"
        return share


def _message_id(data: bytes) -> str:
    found = re.search(rb"^Message-ID: *<([^>\r\n]*)>", data, re.M | re.I)
    assert found, data[:500]
    return found.group(1).decode()  # as the outbox keeps it: no angle brackets


def _ack_number(data: bytes) -> int | None:
    """n of the acknowledgement to csm n (None: another email)."""
    if ".ack." not in _message_id(data):
        return None
    found = re.search(rb"^To: .*csm(\d+)@example\.com", data, re.M | re.I)
    assert found, data[:500]
    return int(found.group(1))


def _is_ack(data: bytes, n: int) -> bool:
    return _ack_number(data) == n


def _after(log: str, mark: int, pattern: str) -> bool:
    return re.search(pattern, log[mark:]) is not None


def _mailbox_outage(run: Run, dovecot: Dovecot, figures: dict[str, Any]) -> None:
    where = re.escape(f"IMAP {run.mailbox.user}@127.0.0.1:{dovecot.port}")
    mark = len(run.logged())
    dovecot.stop()
    body = run.wait("readyz red: mailbox", run.check("mailbox", False), 60)
    assert body["ready"] is False
    run.wait("a log line: the mailbox unreachable",
             lambda: _after(run.logged(), mark, where + r".*(refused|unreachable|reconnect)"), 60)
    figures["cpu mailbox away"] = run.assert_idle_while_away("the mailbox")
    dovecot.start()
    back = time.monotonic()
    run.wait("readyz green: mailbox", run.check("mailbox", True))
    run.wait("a log line: the mailbox back", lambda: _after(
        run.logged(), mark, where + r".*(reachable again|back)"), 60)
    run.send(MESSAGES // 4)
    run.assert_exactly_once()
    figures["recovery mailbox s"] = round(time.monotonic() - back, 1)


def _smtp_outage(run: Run, figures: dict[str, Any]) -> None:
    where = re.escape(f"SMTP 127.0.0.1:{run.smtp.port}")
    mark = len(run.logged())
    run.smtp.down()
    run.send(MESSAGES // 4)  # recorded while no acknowledgement can go
    run.reply([1, 2])
    run.wait("recorded while SMTP is away", lambda: len(run.cli.json("list")) == run.sent)
    run.wait("a log line: the SMTP server unreachable",
             lambda: _after(run.logged(), mark, where + r".*(refused|unreachable)"), 60)
    body = run.wait("readyz red: outbox", run.check("outbox", False), 60)
    assert body["ready"] is False
    figures["cpu smtp away"] = run.assert_idle_while_away("the SMTP server")
    run.smtp.up()
    back = time.monotonic()
    run.assert_exactly_once()
    figures["recovery smtp s"] = round(time.monotonic() - back, 1)
    run.wait("readyz green: outbox", run.check("outbox", True))
    assert _after(run.logged(), mark, where + r".*(reachable again|back)"), run.tail()


def _database_outage(run: Run, pg: Cluster, figures: dict[str, Any]) -> None:
    mark = len(run.logged())
    pg.stop()
    run.send(MESSAGES - run.sent)  # taken while the database is away: left in the inbox
    run.reply([3, 4])
    body = run.wait("readyz red: database", run.check("database", False), 60)
    assert body["ready"] is False
    run.wait("a log line: the database unreachable", lambda: _after(
        run.logged(), mark, rf"database.*(127\.0\.0\.1.*{pg.port}|unreachable|refused)"), 60)
    figures["cpu database away"] = run.assert_idle_while_away("the database")
    pg.start()
    back = time.monotonic()
    run.wait("readyz green: database", run.check("database", True))
    run.assert_exactly_once()
    figures["recovery database s"] = round(time.monotonic() - back, 1)
    assert _after(run.logged(), mark, r"database.*(reachable again|back)"), run.tail()


def _report(figures: dict[str, Any]) -> None:
    sys.stderr.write("fault injection: " + ", ".join(
        f"{k} {v:.0%}" if k.startswith("cpu") else f"{k} {v}" for k, v in figures.items())
        + "\n")


def test_outages_of_mailbox_smtp_and_database_lose_and_double_nothing(
        tmp_path: Path, own_dovecot: Dovecot, own_postgres: Cluster) -> None:
    with SmtpServer() as smtp:
        run = Run(tmp_path, own_postgres.url(), own_dovecot.add_user(), smtp)
        figures: dict[str, Any] = {"messages": MESSAGES}
        with run.running():
            run.send(MESSAGES // 4)
            run.assert_exactly_once()
            _mailbox_outage(run, own_dovecot, figures)
            _smtp_outage(run, figures)
            _database_outage(run, own_postgres, figures)
        assert run.sent == MESSAGES
        run.assert_exactly_once()
        figures["emails"] = len(smtp.messages)
        _report(figures)


def test_outages_of_mailbox_and_smtp_on_sqlite(
        tmp_path: Path, own_dovecot: Dovecot) -> None:
    with SmtpServer() as smtp:
        run = Run(tmp_path, f"sqlite:///{tmp_path / 'esc.db'}", own_dovecot.add_user(), smtp)
        figures: dict[str, Any] = {"messages": MESSAGES * 3 // 4}
        with run.running():
            run.send(MESSAGES // 4)
            run.assert_exactly_once()
            _mailbox_outage(run, own_dovecot, figures)
            _smtp_outage(run, figures)
        run.assert_exactly_once()
        _report(figures)
