"""CRM account sync: `escalator accounts sync` from a file and from a loopback HTTP URL,
`escalator run` syncing on its schedule, and a failing sync: one line, then (three in a
row) an admin alert. On SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from escalator import config, status
from escalator.db import Database, init_db
from escalator.faultlog import lasting
from escalator.jobs import run_job
from escalator.service.account_sync import JOB, sync_job
from escalator.service.alerts import alert_sweep
from escalator.settings import AccountSettings
from models import Account, OutboxMessage
from tests.integration.conftest import database_url

__all__ = ["database_url"]
CSV = ("name,arr,segment,renewal_date,csm,team,health,aliases\n"
       "Globex Corporation,1200000,Enterprise,2026-11-20,carla@example.com,enterprise,72,"
       "Globex Corp\n"
       "Initech,250000,Mid-Market,2027-01-20,carla@example.com,,45,\n")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Export:
    """A CRM's CSV export on loopback: GET /accounts.csv answers `body` with `status`."""

    def __init__(self) -> None:
        self.body, self.status, self.requests = CSV, 200, []  # type: ignore[var-annotated]
        export = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                export.requests.append((self.path, self.headers.get("Authorization")))
                data = export.body.encode()
                self.send_response(export.status)
                self.send_header("Content-Type", "text/csv; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/accounts.csv"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def export() -> Iterator[Export]:
    e = Export()
    yield e
    e.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(tmp_path: Path, url: str, accounts: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"""
[database]
url = "{url}"
[smtp]
host = "127.0.0.1"
port = {free_port()}
[web]
port = {free_port()}
[organization]
internal_domains = ["example.com"]
admins = ["ops@example.com"]
[ladder]
manager = "m@example.com"
director = "d@example.com"
vp = "v@example.com"
executive = "e@example.com"
[accounts]
{accounts}
""")
    return path


def escalator(config_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "escalator.cli", *args, "--config",
                           str(config_path)], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def directory(url: str) -> dict[str, tuple[float | None, str]]:
    db = Database(url)
    try:
        with db.transaction() as session:
            return {a.name: (a.arr, a.health) for a in session.scalars(select(Account))}
    finally:
        db.dispose()


def test_sync_from_a_file_and_from_a_url(database_url: str, tmp_path: Path,
                                         export: Export) -> None:
    init_db(database_url)
    (tmp_path / "accounts.csv").write_text(CSV)
    cfg = write_config(tmp_path, database_url)
    proc = escalator(cfg, "accounts", "sync", str(tmp_path / "accounts.csv"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("accounts: 2 created, 0 updated, 0 unchanged, "
                                        "0 bad rows")
    export.body = CSV.replace("Initech,250000", "Initech,275000").replace(",45,", ",41,") + \
        "Hooli,not-money,,,,,,\n"
    cfg = write_config(tmp_path, database_url, f'sync_url = "{export.url}"')
    proc = escalator(cfg, "accounts", "sync")
    assert proc.returncode == 0, proc.stderr
    assert f"{export.url}: accounts: 0 created, 1 updated, 1 unchanged, 1 bad rows" in \
        proc.stdout
    assert "line 4: arr: 'not-money' is not a number" in proc.stderr
    assert directory(database_url) == {"Globex Corporation": (1200000, "72"),
                                       "Initech": (275000, "41")}
    assert export.requests == [("/accounts.csv", None)]


@pytest.mark.parametrize("status_code, said", [(503, "HTTP 503 Service Unavailable"),
                                               (404, "HTTP 404 Not Found")])
def test_a_source_that_fails_is_one_line_naming_it_without_its_password(
        database_url: str, tmp_path: Path, export: Export, status_code: int, said: str
) -> None:
    init_db(database_url)
    export.status = status_code
    secret_url = export.url.replace("http://", "http://sync:hunter2@")
    proc = escalator(write_config(tmp_path, database_url), "accounts", "sync", secret_url)
    assert proc.returncode == 1
    assert proc.stderr == f"escalator: {export.url}: {said}\n"
    proc = escalator(write_config(tmp_path, database_url), "accounts", "sync",
                     str(tmp_path / "missing.csv"))
    assert proc.stderr == f"escalator: {tmp_path / 'missing.csv'}: file not found\n"
    proc = escalator(write_config(tmp_path, database_url), "accounts", "sync")
    assert proc.returncode == 1 and "[accounts] sync_url: not set" in proc.stderr
    assert directory(database_url) == {}


def test_sync_settings_are_checked(tmp_path: Path) -> None:
    for line, said in [('sync_every = "often"', "[accounts] sync_every: 'often' is not a "
                                                 "duration from 1m to 31d"),
                       ('sync_every = "10s"', "[accounts] sync_every"),
                       ("sync_url = 3", "[accounts] sync_url: must be a URL"),
                       ('sync_ur = "x"', "[accounts] sync_ur: unknown key")]:
        path = write_config(tmp_path, "sqlite:///x.db", line)
        with pytest.raises(Exception, match=r"config\.toml: " + __import__("re").escape(said)):
            config.load(path)
    s = config.load(write_config(tmp_path, "sqlite:///x.db",
                                 'sync_url = "https://crm.example.com/a.csv"\n'
                                 'sync_every = "30m"'))
    assert s.accounts.sync_url == "https://crm.example.com/a.csv"
    assert s.accounts.sync_every == timedelta(minutes=30)


def test_three_failed_syncs_in_a_row_are_an_admin_alert(database_url: str, tmp_path: Path,
                                                       export: Export,
                                                       caplog: pytest.LogCaptureFixture
                                                       ) -> None:
    init_db(database_url)
    settings = config.load(write_config(tmp_path, database_url))
    settings = replace(settings, accounts=AccountSettings(sync_url=export.url))
    db = Database(database_url)
    status.reset()
    try:
        export.status = 500
        lasting.clear()
        for i in range(3):
            at = NOW + timedelta(hours=i)
            assert not run_job(JOB, lambda at=at: sync_job(db, settings, at))  # type: ignore[misc]
            assert alert_sweep(db, settings, at, status.snapshot()) == (1 if i == 2 else 0)
        # one line when it starts failing (escalator.faultlog: not one per failure)
        [line] = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert line == f"accounts job failed: {export.url}: HTTP 500 Internal Server Error"
        with db.transaction() as session:
            [alert] = session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == "alert")).all()
            assert alert.message_id.startswith("alert-accounts.")
            assert alert.to_addrs == ["ops@example.com"]
            assert "the account sync has failed 3 times in a row" in alert.subject
            assert "HTTP 500" in alert.text_body
        export.status = 200
        assert run_job(JOB, lambda: sync_job(db, settings, NOW + timedelta(hours=3)))
        assert not status.snapshot()[JOB].failing
        assert alert_sweep(db, settings, NOW + timedelta(days=2), status.snapshot()) == 0
    finally:
        status.reset()
        lasting.clear()
        db.dispose()


def test_run_syncs_at_start_and_on_its_schedule(database_url: str, tmp_path: Path,
                                                export: Export) -> None:
    init_db(database_url)
    cfg = write_config(tmp_path, database_url, f'sync_url = "{export.url}"\n'
                                               'sync_every = "1m"')
    run = subprocess.Popen([sys.executable, "-m", "escalator.cli", "run", "--config",
                            str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        give_up = time.monotonic() + 60
        while len(directory(database_url)) < 2 and time.monotonic() < give_up:
            time.sleep(0.2)
        assert set(directory(database_url)) == {"Globex Corporation", "Initech"}
        assert len(export.requests) == 1
    finally:
        run.terminate()
        _, err = run.communicate(timeout=30)
    assert f"accounts sync from {export.url} every 0:01:00" in err
    assert "accounts sync" in err and "2 created" in err
