"""The escalation page shows every field the CSM gave (timeline, call recording as a link,
relevant links, attachments, description, business impact), severity by name, the account
linked, and how late it is; the accounts page says unknown for an ARR nobody gave."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from escalator.service.intake import handle_message
from escalator.settings import WebSettings
from escalator.web import Dashboard, start_dashboard
from tests.reports.sample import CSM
from tests.support.database import sqlite_url
from tests.web.overdue_world import overdue_world

BODY = """Issue: Their nightly export fails
Severity: 2
Type: Help Needed
Category: Product
Description: The export job stops at 40%.
It has since the 1.8 upgrade.
Business Impact: Finance cannot close the month.
Timeline: since 10/28, worse since 11/01
Call Recording: https://calls.example.com/r/991
Relevant Links: https://tickets.example.com/T-42, javascript:alert(1)
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Dashboard]:
    db, settings, now = overdue_world(sqlite_url(tmp_path))
    msg = EmailMessage()
    msg["From"] = f"Carla <{CSM}>"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = "Escalation: Umbrella – Export fails"
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    msg.set_content(BODY)
    msg.add_attachment(b"%PDF-1.4 log", maintype="application", subtype="pdf",
                       filename="export-log.pdf")
    handle_message(db, settings, bytes(msg), now - timedelta(hours=8))  # ESC-10
    server = start_dashboard(db, replace(settings, web=WebSettings(port=0)), clock=lambda: now)
    yield server
    server.shutdown()
    db.dispose()


def page(site: Dashboard, path: str) -> BeautifulSoup:
    with urllib.request.urlopen(site.url + path, timeout=30) as r:  # noqa: S310 (loopback)
        return BeautifulSoup(r.read().decode(), "html.parser")


def test_every_field_the_csm_gave(site: Dashboard) -> None:
    soup = page(site, "/escalations/ESC-10")
    text = soup.get_text(" ", strip=True)
    assert "2 High" in text
    for fact in ("The export job stops at 40%.", "Finance cannot close the month.",
                 "since 10/28, worse since 11/01", "export-log.pdf"):
        assert fact in text
    description = next(p for p in soup.select("p.text") if "export job" in p.get_text())
    assert "stops at 40%.\nIt has since" in description.get_text()  # its lines, pre-wrap
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert "https://calls.example.com/r/991" in hrefs
    assert "https://tickets.example.com/T-42" in hrefs
    assert not any(str(h).lower().startswith("javascript:") for h in hrefs)
    assert "/accounts?q=Umbrella" in hrefs
    assert soup.find(class_="late-note") is not None  # response target passed 4 h ago


def test_top_rung_says_nothing_climbs_and_unknown_arr(site: Dashboard) -> None:
    soup = page(site, "/escalations/ESC-1")
    note = soup.find(class_="late-note")
    assert note is not None and "executive rung" in note.get_text()
    assert "nothing climbs" in note.get_text()
    accounts = page(site, "/accounts")
    rows = {r.select_one('[data-label="account"]').get_text(" ", strip=True).split(" (")[0]:  # type: ignore[union-attr]
            r for r in accounts.select("tbody tr") if r.select_one('[data-label="account"]')}
    acme = rows["Acme <Rockets>"]  # not in the directory: no ARR known
    assert acme.select_one('[data-label="ARR"]').get_text(strip=True) == "unknown"  # type: ignore[union-attr]
    assert acme.select_one('[data-label="exposure"]').get_text(strip=True) == "unknown"  # type: ignore[union-attr]
    assert rows["Umbrella"].select_one('[data-label="ARR"]').get_text(strip=True) == "$50k"  # type: ignore[union-attr]


def test_overview_says_how_many_accounts_have_an_unknown_arr(site: Dashboard) -> None:
    cards = page(site, "/").select(".card")
    exposure = next(c for c in cards if "ARR exposure" in c.get_text())
    assert "plus 1 account of unknown ARR" in exposure.get_text()  # Acme <Rockets>


def test_report_page_has_the_navigation(site: Dashboard) -> None:
    soup = page(site, "/report")
    header = soup.find("header")
    assert header is not None
    assert [a["href"] for a in header.find_all("a")] == [
        "/", "/escalations?status=open", "/accounts", "/report"]


def test_list_marks_the_breaches(site: Dashboard) -> None:
    soup = page(site, "/escalations?status=open")
    marked = {r.select_one('[data-label="id"] a').get_text(): r.select_one(".mark")  # type: ignore[union-attr]
              for r in soup.select("tbody tr")}
    assert marked["ESC-1"] is not None and "response late" in marked["ESC-1"].get_text()
    assert marked["ESC-9"] is None  # opened an hour ago: within its targets
