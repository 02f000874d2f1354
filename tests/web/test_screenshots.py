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
from bs4 import BeautifulSoup

from escalator.pages import report_html
from escalator.service.reports import build_report
from escalator.settings import WebSettings
from escalator.web import Dashboard, start_dashboard
from tests.reports.sample import T0, populate
from tests.support.database import sqlite_url
from tests.web.overdue_world import EXPECTED, overdue_world

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


def dom(url: str, size: str) -> str:
    """The page's DOM after its scripts ran, as Chromium serialises it (--dump-dom)."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                               f"--window-size={size}", "--dump-dom", url],
                              capture_output=True, timeout=90, check=True, text=True)
    return done.stdout


@pytest.fixture
def late_site(tmp_path: Path) -> Iterator[Dashboard]:
    db, settings, now = overdue_world(sqlite_url(tmp_path))
    server = start_dashboard(db, replace(settings, web=WebSettings(port=0)), clock=lambda: now)
    yield server
    server.shutdown()
    db.dispose()


@pytest.mark.parametrize("width, size", [("desktop", "1280,1100"), ("phone", "390,2400")])
def test_overview_shows_the_overdue_first(late_site: Dashboard, width: str, size: str) -> None:
    page = dom(late_site.url + "/", size)
    soup = BeautifulSoup(page, "html.parser")
    main = soup.find("main")
    assert main is not None
    first = main.find(["section", "div"])
    assert first is not None and "Overdue" in first.get_text() and first.get("id") == "overdue"
    rows = first.select("tbody tr")
    found = [(r.select_one('[data-label="id"]').get_text(strip=True),  # type: ignore[union-attr]
              r.select_one('[data-label="rung"]').get_text(" ", strip=True))  # type: ignore[union-attr]
             for r in rows]
    assert [(i, rung.split()[0]) for i, rung in found] == EXPECTED
    assert "top rung: nothing climbs" in found[0][1]
    assert "6 past a target" in first.get_text()
    assert "1 Critical" in rows[0].get_text()
    late_by = [r.select_one('[data-label="late by"]').get_text(strip=True)  # type: ignore[union-attr]
               for r in rows]
    assert late_by[0] == "3 d 23 h" and late_by[-1] == "1 d 15 h"  # NOW - the response due
    text = main.get_text(" ", strip=True)
    assert "nothing climbs in the next 24 hours" not in text  # not when some are late
    SHOTS.mkdir(exist_ok=True)
    screenshot(late_site.url + "/", SHOTS / f"overdue-overview-{width}.png", size=size)
    screenshot(late_site.url + "/escalations/ESC-1", SHOTS / f"overdue-escalation-{width}.png",
               size=size)
    screenshot(late_site.url + "/escalations?status=open",
               SHOTS / f"overdue-list-{width}.png", size=size)
