"""The escalation page and the acknowledgement with a playbook's tasks and the asks, in
Debian's headless Chromium: the DOM read (each task's state, who, late), the screenshots
kept in tests/screenshots/ for a person to look at."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from escalator.db import Database, init_db
from escalator.service.accounts import import_accounts
from escalator.service.intake import handle_message
from escalator.service.replies import apply_commands
from escalator.settings import WebSettings
from escalator.web import Dashboard, start_dashboard
from models import Escalation, OutboxMessage
from parser.commands import read
from tests.escalator.test_playbook_service import SETTINGS, _email
from tests.support.database import sqlite_url
from tests.web.test_screenshots import SHOTS, dom, screenshot

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Dashboard, Database]]:
    url = sqlite_url(tmp_path)
    init_db(url)
    db = Database(url)
    with db.transaction() as s:
        import_accounts(s, "name,arr,renewal_date,csm\nInitech,2000000,2026-12-22,"
                        "carla@example.com\n", T0, settings=None)
    handle_message(db, SETTINGS, _email(1), T0)
    commands, _ = read("Done: 1\nSkip: 3 the VP called them\nTake: A1")
    with db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None
        apply_commands(s, SETTINGS, esc, commands, "vp@example.com", T0 + 0.5 * timedelta(hours=1))
    server = start_dashboard(db, replace(SETTINGS, web=WebSettings(port=0)),
                             clock=lambda: T0 + timedelta(hours=3))
    yield server, db
    server.shutdown()
    db.dispose()


def test_escalation_page_shows_tasks_and_asks(site: tuple[Dashboard, Database]) -> None:
    server, db = site
    soup = BeautifulSoup(dom(server.url + "/escalations/ESC-1", "1280,1600"), "html.parser")
    tables = soup.select("table.tasks")
    assert len(tables) == 2
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")]
            for tr in tables[0].select("tbody tr")]
    assert [(r[0], r[-1].split()[0]) for r in rows] == [
        ("1", "done"), ("2", "late"), ("3", "skipped"), ("4", "open"), ("5", "open"),
        ("6", "open")]
    assert "the VP called them" in rows[2][1] and rows[0][-1] == "done by vp@example.com"
    asks = [[td.get_text(" ", strip=True) for td in tr.select("td")]
            for tr in tables[1].select("tbody tr")]
    assert asks[0][:3] == ["A1", "Executive outreach", "vp@example.com"]
    assert asks[1][:3] == ["A2", "Pricing flexibility", "not taken · owner vp@example.com"]
    raised = soup.select_one(".banner.raised")
    assert raised is not None and "ARR $2,000,000 ≥ $1,000,000" in raised.get_text()
    SHOTS.mkdir(exist_ok=True)
    screenshot(server.url + "/escalations/ESC-1", SHOTS / "playbook-escalation-desktop.png",
               size="1280,1600")
    screenshot(server.url + "/escalations/ESC-1", SHOTS / "playbook-escalation-phone.png",
               size="390,2600")
    with db.transaction() as s:
        ack = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "ack"))
        assert ack is not None
        html = ack.html_body
    page = SHOTS / "playbook-ack.html"
    page.write_text(html, encoding="utf-8")
    screenshot(page.as_uri(), SHOTS / "playbook-ack.png", size="800,1500")
    page.unlink()


def test_a_signed_in_person_closes_skips_and_takes_from_the_task_table(tmp_path: Path) -> None:
    """The task table's forms (real server, plain HTTP client): Done, Skip with its why and
    Take go through the registry as the person, once each; the page then shows no form for
    what is closed."""
    import urllib.parse

    from itsdangerous import URLSafeTimedSerializer

    from models import Event

    url = sqlite_url(tmp_path)
    init_db(url)
    db = Database(url)
    with db.transaction() as s:
        import_accounts(s, "name,arr,renewal_date,csm\nInitech,2000000,2026-12-22,"
                        "carla@example.com\n", T0, settings=None)
    handle_message(db, SETTINGS, _email(1), T0)
    web = WebSettings(port=0, public_url="http://127.0.0.1", secret="k" * 32)
    server = start_dashboard(db, replace(SETTINGS, web=web),
                             clock=lambda: T0 + timedelta(hours=1))
    who = "vp@example.com"
    session = URLSafeTimedSerializer(web.secret, salt="escalator.session")
    cookie = f"escalator_session={session.dumps(who)}"
    csrf = session.dumps(["csrf", who])

    def page() -> BeautifulSoup:
        request = urllib.request.Request(server.url + "/escalations/ESC-1",
                                         headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=10) as r:
            return BeautifulSoup(r.read().decode(), "html.parser")

    def post(**form: str) -> int:
        request = urllib.request.Request(
            server.url + "/escalations/ESC-1/act", method="POST",
            data=urllib.parse.urlencode({"csrf": csrf, **form}).encode(),
            headers={"Cookie": cookie})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=10) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)

    try:
        refs = [str(i["value"]) for i in page().select("form.task-act input[name=ref]")]
        assert refs[:2] == ["1", "2"] and "A1" in refs
        assert post(action="task_done", ref="1", value="ignored") == 303
        assert post(action="task_skip", ref="3", value="the VP called them") == 303
        assert post(action="task_take", ref="A1") == 303
        assert post(action="task_done", ref="") == 400  # no task named: nothing to apply
        refs = [str(i["value"]) for i in page().select("form.task-act input[name=ref]")]
        assert "1" not in refs and "3" not in refs and "2" in refs
        with db.transaction() as s:
            trail = [(e.kind, e.actor, e.detail) for e in s.scalars(
                select(Event).where(Event.escalation_id == 1, Event.kind == "task")
                .order_by(Event.id))]
        assert [a for _, a, _ in trail] == [who, who, who]
        assert all(d.endswith("(via dashboard)") for _, _, d in trail), trail
        assert "the VP called them" in trail[1][2] and "A1" in trail[2][2], trail
    finally:
        server.shutdown()
        db.dispose()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
