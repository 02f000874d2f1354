"""Email polish: the breach notice names the next climb, warnings and recaps say in their
subject what they are about, multi-line notes keep their lines, the footer's example owner
is a real internal address."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from escalator.render import render, sample_context
from escalator.service.sweep import sweep
from models import OutboxMessage
from tests.reports.sample import T0, populate
from tests.support.database import sqlite_url


def test_breach_notice_shows_the_next_climb_not_the_breach_just_sent(tmp_path: Path) -> None:
    db, s = populate(sqlite_url(tmp_path))  # ESC-1: response breached at T0 + 1 h
    sweep(db, s, T0 + timedelta(days=3))  # the others climb, one tick, several rungs
    with db.transaction() as session:
        notices = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "breach").order_by(OutboxMessage.id)))
    db.dispose()
    climbing = [n for n in notices if "top of the ladder" not in n.text_body]
    assert climbing and len(climbing) < len(notices)  # some climb on, some reach the top
    for n in notices:
        shown = _line(r"Next escalation: (.*)", n.text_body)
        if n not in climbing:
            assert shown == "none pending"
            continue
        assert shown == _line(r"next rung is notified at (\S+ \S+ UTC)", n.text_body)
        assert shown != _line(r"It was due (\S+ \S+ UTC)", n.text_body)  # not this breach
        assert shown in n.html_body


def _line(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found is not None, pattern
    return found.group(1)


@pytest.mark.parametrize("fraction", [0.75, 0.9])
def test_warnings_say_how_far_in_their_subject(fraction: float) -> None:
    ctx = sample_context("warning")
    ctx["warning"] = SimpleNamespace(target="resolution", fraction=fraction,
                                     due_at=ctx["now"] + timedelta(hours=2))
    subject = render("warning", ctx).subject
    assert f"{round(fraction * 100)}% of the resolution window used" in subject
    assert subject.startswith("[ESC-7] Warning:")


def test_recap_subject_says_what_changed() -> None:
    ctx = sample_context("recap")
    subject = render("recap", ctx).subject
    assert subject.startswith("[ESC-7] Recap: status open → working; note: calling their CTO")
    ctx["changes"] = ["note: first line\nsecond line", "severity 3 → 1", "owner → x@example.com",
                      "steps: " + "a" * 200]
    subject = render("recap", ctx).subject
    assert "note: first line;" in subject and "second line" not in subject
    assert "(+1 more)" in subject and "a" * 61 not in subject
    assert "Initech" in subject  # the account stays in view


def test_multi_line_notes_keep_their_lines_in_text_and_html() -> None:
    ctx = sample_context("recap")
    note = "note: called their CTO\nshe wants a plan by Friday\n<b>not bold</b>"
    ctx["changes"] = [note]
    ctx["events"] = [{"at": ctx["now"], "kind": "note", "actor": "vera.vp@example.com",
                      "detail": note[6:]}]
    r = render("recap", ctx)
    assert "  - note: called their CTO\n    she wants a plan by Friday\n    <b>not bold</b>" \
        in r.text
    assert "note: called their CTO<br>\nshe wants a plan by Friday<br>\n&lt;b&gt;not bold" \
        in r.html
    assert "called their CTO<br>\nshe wants a plan by Friday" in r.html.split("Latest events")[1]
    assert "\n    she wants a plan by Friday" in r.text.split("Latest events")[1]


@pytest.mark.parametrize("kind", ["ack", "new", "warning", "breach", "recap", "confirmation"])
def test_footer_example_owner_is_the_csm(kind: str) -> None:
    ctx = sample_context(kind)
    r = render(kind, ctx)
    assert "name@example.com" not in r.text and "name@example.com" not in r.html
    assert "Owner: carla.csm@example.com" in r.text
    assert "Owner: carla.csm@example.com" in r.html
