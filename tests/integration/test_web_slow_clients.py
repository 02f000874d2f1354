"""Hundreds of connections held open against the dashboard of `escalator run` (a real
subprocess, its file descriptors limited to 256) while it takes intake from Dovecot: every
escalation is recorded, the dashboard refuses past its cap and answers again when they close.
Under http.server each held connection kept a thread and a descriptor, and the process ran
out of both (bench/web_connections.py measures it)."""

from __future__ import annotations

import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from escalator import config
from tests.integration.test_run import WAIT, _cli, _wait_for_ack
from tests.support.dovecot import Account
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

HELD = 400
NOFILE = 256


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, resource.getrlimit(
        resource.RLIMIT_NOFILE)[1]))


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        return e.code


def test_held_connections_neither_stop_intake_nor_the_dashboard_for_good(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    cli = _cli(tmp_path, database_url, dovecot, smtp_server,
               "max_connections = 50\nheader_timeout_seconds = 600\n")
    port = config.load(cli.config).web.port
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "escalator.cli", "run", "--config", str(cli.config)],
        cwd=cli.config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_limit)
    held: list[socket.socket] = []
    try:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                assert _status(base + "/healthz") == 200
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        for _ in range(HELD):  # half a request each, never finished
            s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            held.append(s)
        for n in range(1, 6):
            dovecot.append("INBOX", raw_email(n))
        for n in range(1, 6):
            _wait_for_ack(smtp_server, f"csm{n}@example.com", proc)
        assert _status(base + "/") == 503  # at its cap: says so, and closes
        open_fds = len(list(Path(f"/proc/{proc.pid}/fd").iterdir()))
        assert open_fds < NOFILE - 100, open_fds
        for s in held:
            s.close()
        held.clear()
        deadline = time.monotonic() + WAIT
        while _status(base + "/") != 200:  # once the server has seen them go
            assert time.monotonic() < deadline, "the dashboard did not answer again"
            time.sleep(0.2)
    finally:
        for s in held:
            s.close()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "Too many open files" not in err, err
    assert sorted(e["id"] for e in cli.json("list")) == [f"ESC-{n}" for n in range(1, 6)]
    assert dovecot.messages("INBOX") == [] and len(dovecot.messages("Processed")) == 5
