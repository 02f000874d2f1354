"""Sign-in by email and acting on the escalation page, in headless Chromium (Debian's,
driven by Playwright) against the real dashboard and the real SMTP test server, SQLite and
PostgreSQL: the link comes by email, its GET signs no one in, the button does; the person
acts on the page, every change an event in their name and a recap by email; a POST without
the page's CSRF field changes nothing; an outside address gets the same page and no email.
Screenshots of the escalation page with its form go to tests/screenshots/."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import select

from escalator.db import Database
from escalator.jobs import smtp_factory
from escalator.service.delivery import deliver
from escalator.settings import Settings, WebSettings
from escalator.web import Dashboard, start_dashboard
from models import Escalation, Event
from tests.reports.sample import T0, populate
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port

NOW = T0 + timedelta(hours=6)
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
VP = "vera.vp@example.com"


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        found = p.chromium.launch(executable_path="/usr/bin/chromium",
                                  args=["--no-sandbox"])
        yield found
        found.close()


@pytest.fixture
def world(database_url: str, smtp_server: SmtpServer
          ) -> Iterator[tuple[Database, Settings, Dashboard]]:
    db, settings = populate(database_url)
    port = free_port()
    settings = replace(settings, smtp=smtp_server.settings(), web=WebSettings(
        port=port, token="wall-screen", public_url=f"http://127.0.0.1:{port}",
        secret="k" * 32))
    server = start_dashboard(db, settings, clock=lambda: NOW)
    yield db, settings, server
    server.shutdown()
    db.dispose()


def delivered(db: Database, settings: Settings, smtp: SmtpServer, subject: str,
              to: str) -> list[str]:
    """Deliver the outbox; the text parts of what reached `to` with `subject` in its own."""
    deliver(db, settings, smtp_factory(settings), clock=lambda: NOW + timedelta(minutes=1))
    found = []
    for m in smtp.messages:
        msg = m.message()
        if to in m.rcpt_tos and subject in str(msg["Subject"]):
            part = msg.get_body(("plain",))
            assert part is not None
            found.append(part.get_content())
    return found


def post(url: str, data: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return e.code


def test_sign_in_by_email_then_act_on_the_escalation_page(
        world: tuple[Database, Settings, Dashboard], smtp_server: SmtpServer,
        browser: Browser) -> None:
    db, settings, server = world
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url + "/signin")
    page.fill("#address", VP)
    page.click("text=Email me a sign-in link")
    assert "a sign-in link is on its way" in page.content()
    [mail] = delivered(db, settings, smtp_server, "Sign in to Escalator", VP)
    link = re.search(r"http://127\.0\.0\.1:\d+/signin/\S+", mail)
    assert link is not None
    page.goto(link.group(0))  # as a scanner would: the GET signs no one in
    assert f"Sign in as {VP}?" in page.content()
    assert not [c for c in page.context.cookies() if c["name"] == "escalator_session"]
    page.click("button:has-text('Sign in')")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "escalator_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert VP in page.content()  # the overview, signed in (no wall-screen token needed)

    # the link is spent: its button a second time signs no one in
    other = browser.new_page()
    other.goto(link.group(0))
    assert "this link has been used already" in other.content()

    page.goto(server.url + "/escalations/ESC-3")
    page.click("button:has-text('Acknowledge')")
    page.fill("#f-note", "Called the customer.\nThey wait for the fix.")
    page.click("form.field:has(#f-note) button")
    page.select_option("#f-severity", "1")
    page.click("form.field:has(#f-severity) button")
    assert page.url.endswith("/escalations/ESC-3")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "escalation-act-desktop.png"), full_page=True)
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies([cookie])  # type: ignore[list-item]
    phone.goto(server.url + "/escalations/ESC-3")
    phone.screenshot(path=str(SHOTS / "escalation-act-phone.png"), full_page=True)
    phone.close()

    with db.transaction() as s:
        esc = s.get(Escalation, 3)
        assert esc is not None and esc.acknowledged_at is not None and esc.severity == 1
        details = [(e.actor, e.detail) for e in s.scalars(
            select(Event).where(Event.escalation_id == 3, Event.actor == VP))]
    assert len(details) == 3 and all("(via dashboard)" in d for _, d in details), details
    recaps = delivered(db, settings, smtp_server, "ESC-3", VP)
    assert recaps and any("Called the customer." in r for r in recaps)

    # a POST with the session but without the page's CSRF field changes nothing
    headers = {"Cookie": f"escalator_session={cookie['value']}",
               "Content-Type": "application/x-www-form-urlencoded"}
    assert post(server.url + "/escalations/ESC-3/act", b"action=done", headers) == 403
    assert post(server.url + "/escalations/ESC-3/act", b"action=done&csrf=forged",
                headers) == 403
    with db.transaction() as s:
        esc = s.get(Escalation, 3)
        assert esc is not None and esc.status != "done"
    page.close()


def test_outside_address_gets_the_same_page_and_no_email(
        world: tuple[Database, Settings, Dashboard], smtp_server: SmtpServer,
        browser: Browser) -> None:
    db, settings, server = world
    page = browser.new_page()
    texts = []
    for address in ("someone@elsewhere.test", VP):
        page.goto(server.url + "/signin")
        page.fill("#address", address)
        page.click("text=Email me a sign-in link")
        texts.append(page.inner_text("main"))
    assert texts[0] == texts[1]  # no telling who may sign in
    assert len(delivered(db, settings, smtp_server, "Sign in to Escalator", VP)) == 1
    assert not [m for m in smtp_server.messages if "someone@elsewhere.test" in m.rcpt_tos]
    for _ in range(6):  # the form cannot flood a colleague: 5 links an hour, then none
        page.goto(server.url + "/signin")
        page.fill("#address", VP)
        page.click("text=Email me a sign-in link")
        assert page.inner_text("main") == texts[1]
    assert len(delivered(db, settings, smtp_server, "Sign in to Escalator", VP)) == 5
    # the wall-screen token reads, and cannot act
    page.goto(server.url + "/escalations/ESC-3?token=wall-screen")
    assert "Sign in</a> to acknowledge" in page.content()
    headers = {"Authorization": "Bearer wall-screen",
               "Content-Type": "application/x-www-form-urlencoded"}
    assert post(server.url + "/escalations/ESC-3/act", b"action=done", headers) == 403
    # a tampered sign-in link is refused
    page.goto(server.url + "/signin/" + "x" * 40)
    assert "Not signed in" in page.content()
