"""`escalator run` says when it is unwell: /readyz turns red while its Dovecot is stopped,
the admins get an alert email (through the real aiosmtpd) once the mailbox has been silent
for [health] mailbox_silent_after, and /readyz is green again once Dovecot is back.

A Dovecot of the test's own, so stopping it disturbs no other test; IMAP polled every
second, so "3 × poll_seconds" is three seconds; mailbox_silent_after is six seconds. The
alert job runs with the sweep (every 30 s), hence the longer waits."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_run import WAIT, _running, _still_running
from tests.support.cli import Cli, write_config
from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port
from tests.web.test_dashboard import get

pytestmark = pytest.mark.integration
ADMIN = "ops@example.com"
SLOW = 3 * WAIT  # the sweep's 30 s, and the poller's reconnect backoff after a long outage


def _cli(tmp_path: Path, url: str, dovecot: Dovecot, smtp: SmtpServer, web_port: int,
         extra: str = "") -> Cli:
    config = write_config(tmp_path / "config.toml", url, dovecot.add_user().settings(),
                          smtp.settings(), f"\n[web]\nport = {web_port}\n{extra}")
    text = config.read_text().replace('folder = "INBOX"\n', 'folder = "INBOX"\npoll_seconds = 1\n',
                                      1)
    text = text.replace('internal_domains = ["example.com"]\n',
                        f'internal_domains = ["example.com"]\nadmins = ["{ADMIN}"]\n', 1)
    config.write_text(text)
    cli = Cli(config)
    cli.run("init-db")
    return cli


def _wait(what: str, until: Callable[[], Any], proc: Any, wait: float = WAIT) -> Any:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = until()
        if found:
            return found
        _still_running(proc)
        time.sleep(0.2)
    raise AssertionError(f"not within {wait} s: {what}")


def readyz(port: int) -> tuple[int, dict[str, Any]] | None:
    code, body, _ = get(f"http://127.0.0.1:{port}/readyz")
    return (code, json.loads(body)) if body.startswith("{") else None


def test_readyz_red_while_the_mailbox_is_away_and_green_once_it_is_back(
        tmp_path: Path, database_url: str, own_dovecot: Dovecot,
        smtp_server: SmtpServer) -> None:
    port = free_port()
    cli = _cli(tmp_path, database_url, own_dovecot, smtp_server, port,
               '\n[health]\nmailbox_silent_after = "0.1m"\n')
    with _running(cli) as proc:
        def mailbox_ok(want: bool) -> Callable[[], Any]:
            def check() -> Any:
                try:
                    found = readyz(port)
                except OSError:  # not listening yet
                    return None
                mailbox = found[1]["checks"].get("mailbox", {}) if found else {}
                read = mailbox.get("detail", "").startswith("read ")  # not "starting"
                return found if mailbox.get("ok") is want and (read or not want) else None
            return check

        code, body = _wait("mailbox read", mailbox_ok(True), proc)
        assert code == 200 and body["ready"] is True
        assert set(body["checks"]) == {"database", "outbox", "mailbox", "scheduler", "jobs"}
        own_dovecot.stop()
        code, body = _wait("readyz red", mailbox_ok(False), proc)
        assert code == 503 and body["ready"] is False
        assert body["checks"]["mailbox"]["detail"].startswith("last read ")
        assert "127.0.0.1" in body["checks"]["mailbox"]["detail"]  # the error, named
        assert body["checks"]["database"]["ok"] is True

        def alert() -> Any:
            return next((m.message() for m in list(smtp_server.messages)
                         if m.rcpt_tos == (ADMIN,)), None)

        mail = _wait("an admin alert", alert, proc, SLOW)
        assert str(mail["Subject"]).startswith("[Escalator alert] the mailbox has not been "
                                               "read for ")
        assert mail["Auto-Submitted"] == "auto-generated"
        text = mail.get_body(("plain",)).get_content()
        assert "Escalator has not read user" in text and "last error: " in text
        own_dovecot.start()
        code, body = _wait("readyz green again", mailbox_ok(True), proc, SLOW)
        assert code == 200 and body["ready"] is True
        assert get(f"http://127.0.0.1:{port}/healthz")[:2] == (200, "ok\n")
