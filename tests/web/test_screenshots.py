"""The dashboard and the report page in Debian's headless Chromium: every page renders
and its screenshot is kept in tests/screenshots/ (looked at by a person, not by this test).

Chromium runs with no network but loopback and a fresh profile each time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from escalator.pages import report_html
from escalator.service.reports import build_report
from escalator.settings import WebSettings
from escalator.web import Dashboard, start_dashboard
from tests.reports.sample import T0, populate
from tests.support.database import sqlite_url

SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         ]
PAGES = {
    "overview": "/",
    "escalations": "/escalations?status=open",
    "escalation": "/escalations/ESC-1",
    "accounts": "/accounts",
}


def screenshot(url: str, path: Path, size: str = "1280,900") -> None:
    if not Path(CHROMIUM).exists():
        raise RuntimeError("chromium not found: apt-get install -y chromium (scripts/test.sh)")
    path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                        f"--screenshot={path}", f"--window-size={size}", url],
                       capture_output=True, timeout=90, check=True)
    assert path.exists() and path.stat().st_size > 10_000, f"{path}: no real screenshot"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Dashboard]:
    db, settings = populate(sqlite_url(tmp_path))
    server = start_dashboard(db, replace(settings, web=WebSettings(port=0)),
                             clock=lambda: T0 + timedelta(hours=6))
    yield server
    server.shutdown()
    server.server_close()
    db.dispose()


def test_dashboard_pages_in_chromium(site: Dashboard) -> None:
    SHOTS.mkdir(exist_ok=True)
    for name, path in PAGES.items():
        screenshot(site.url + path, SHOTS / f"dashboard-{name}.png")


def test_report_page_in_chromium(tmp_path: Path) -> None:
    db, _ = populate(sqlite_url(tmp_path))
    with db.transaction() as session:
        html = report_html(build_report(session, T0 + timedelta(days=3)))
    db.dispose()
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    SHOTS.mkdir(exist_ok=True)
    screenshot(page.as_uri(), SHOTS / "report.png", size="1280,2200")
