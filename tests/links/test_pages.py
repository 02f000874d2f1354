"""The action page in Debian's headless Chromium (Playwright), on SQLite and PostgreSQL:
opened as a scanner opens it (GET, redirects followed, scripts run) it changes nothing;
its button acts once; a second click and a replayed POST change nothing more; a tampered
token gets the refusal page. Screenshots at desktop and phone widths go to
tests/screenshots/ (looked at by a person, not by this test)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from sqlalchemy import select

from escalator.db import Database, init_db
from escalator.settings import Settings, WebSettings
from escalator.web import Dashboard, start_dashboard
from models import Escalation, OutboxMessage
from tests.links.test_emails import LINKED, SECRET, T0, intake
from tests.links.test_spend import counts
from tests.web.test_screenshots import CHROMIUM, SHOTS

NOW = T0 + timedelta(minutes=20)
URL = re.compile(r"http://[^\s\"<>]+/a/[A-Za-z0-9_.-]+")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        yield _launch(p)


def _launch(p: Playwright) -> Browser:
    if not Path(CHROMIUM).exists():
        raise RuntimeError("chromium not found: apt-get install -y chromium (scripts/test.sh)")
    return p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[Database, Dashboard]]:
    """An escalation taken in with links on, and the dashboard serving them."""
    init_db(database_url)
    db = Database(database_url)
    settings: Settings = replace(LINKED, web=WebSettings(
        port=0, public_url="https://placeholder.example.com", secret=SECRET))
    server = start_dashboard(db, settings, clock=lambda: NOW)
    # the emails point at where the test server listens
    intake(db, replace(settings, web=replace(settings.web, public_url=server.url)))
    yield db, server
    server.shutdown()
    db.dispose()


def emailed_links(db: Database, person: str) -> dict[str, str]:
    """action -> URL, as the links stand in `person`'s copy of the new-escalation notice."""
    with db.transaction() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.kind.in_(("new", "ack")))
                        .where(OutboxMessage.deliver_to.is_not(None))).all()
        body = next(r.text_body for r in row if r.envelope() == [person])
    found = {}
    for line in body.splitlines():
        m = URL.search(line)
        if m:
            found[line.split("http")[0].strip()] = m.group(0)
    return found


def acknowledged(db: Database) -> bool:
    with db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None
        return esc.acknowledged_at is not None


def test_a_scanner_opening_every_link_changes_nothing(
        served: tuple[Database, Dashboard], browser: Browser) -> None:
    db, _ = served
    urls = emailed_links(db, "dir@example.com")
    assert set(urls) == {"Acknowledge", "Working", "Waiting on customer", "Done"}
    before = counts(db)
    context = browser.new_context()
    page = context.new_page()
    for url in urls.values():
        response = page.goto(url, wait_until="networkidle")
        assert response is not None and response.status == 200
        assert page.locator("button").count() == 1  # waits for a person to press it
        assert context.request.get(url, max_redirects=5).status == 200
        assert context.request.head(url).status == 200
    context.close()
    assert counts(db) == before and not acknowledged(db)


def test_the_button_acts_once_a_second_click_and_a_replay_do_nothing(
        served: tuple[Database, Dashboard], browser: Browser) -> None:
    db, _ = served
    url = emailed_links(db, "dir@example.com")["Acknowledge"]
    context = browser.new_context()
    first, second = context.new_page(), context.new_page()
    first.goto(url)
    second.goto(url)  # the same page open twice: two buttons
    page_text = first.inner_text("main")
    assert "ESC-1 · Umbrella" in page_text and "not acknowledged" in page_text
    field = second.locator("input[name=csrf]").get_attribute("value")
    assert field
    before = counts(db)
    first.click("button")
    assert "Done: acknowledged by dir@example.com." in first.inner_text("main")
    after = counts(db)
    assert acknowledged(db)
    assert after[0] == before[0] + 1 and after[1] > before[1] and after[2] == before[2] + 1
    second.click("button")
    assert "this link has been used already" in second.inner_text("main")
    replay = context.request.post(url, form={"csrf": field})
    assert replay.status == 410 and "used already" in replay.text()
    assert counts(db) == after
    context.close()


def test_a_tampered_token_gets_the_refusal_page(
        served: tuple[Database, Dashboard], browser: Browser) -> None:
    db, _ = served
    url = emailed_links(db, "dir@example.com")["Done"]
    cut = url.rindex("/") + 5
    tampered = url[:cut] + ("B" if url[cut] != "B" else "C") + url[cut + 1:]
    before = counts(db)
    page = browser.new_page()
    response = page.goto(tampered)
    assert response is not None and response.status == 403
    text = page.inner_text("main")
    assert "This link cannot be used: this link is not one Escalator signed" in text
    assert "reply to the latest email about the escalation" in text
    assert page.locator("button").count() == 0
    assert page.request.post(tampered, form={"csrf": "x"}).status == 403
    page.close()
    assert counts(db) == before


def test_a_post_without_the_pages_field_or_from_another_site_changes_nothing(
        served: tuple[Database, Dashboard], browser: Browser) -> None:
    db, server = served
    url = emailed_links(db, "dir@example.com")["Working"]
    page = browser.new_page()
    page.goto(url)
    field = page.locator("input[name=csrf]").get_attribute("value") or ""
    before = counts(db)
    assert page.request.post(url, form={"csrf": ""}).status == 403
    assert page.request.post(url, form={"csrf": field},
                             headers={"Origin": "https://evil.example"}).status == 403
    assert counts(db) == before
    page.close()


def test_screenshots_of_the_action_page(served: tuple[Database, Dashboard],
                                        browser: Browser) -> None:
    db, _ = served
    urls = emailed_links(db, "dir@example.com")
    SHOTS.mkdir(exist_ok=True)
    for name, size in (("desktop", (1280, 800)), ("phone", (390, 844))):
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.goto(urls["Acknowledge"])
        page.screenshot(path=str(SHOTS / f"action-{name}.png"), full_page=True)
        page.goto(urls["Done"][:-3] + "xyz")
        page.screenshot(path=str(SHOTS / f"action-refused-{name}.png"), full_page=True)
        page.close()
        assert (SHOTS / f"action-{name}.png").stat().st_size > 5_000
