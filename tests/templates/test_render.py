"""Every kind of email renders, text and HTML, user text escaped; broken copies are caught."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from escalator.errors import ConfigError
from escalator.render import KINDS, TEMPLATES, check_templates, render, sample_context
from mailer.message import SUBJECT_MAX, build_message

# what a client would fetch on opening: images, backgrounds (links to pages are <a href>)
REMOTE = re.compile(r"""(src|background)\s*=\s*["']?(https?:)?//|url\(""", re.I)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_text_and_html(kind: str) -> None:
    r = render(kind, sample_context(kind))
    assert r.subject and "\n" not in r.subject
    if kind not in ("rejection", "error", "alert", "health", "weekly", "signin"):  # no ESC
        assert re.search(r"\[ESC-\d+\]", r.subject)
    assert r.text.strip() and r.html.strip()
    assert "<html" not in r.text and "{{" not in r.text and "{%" not in r.html


@pytest.mark.parametrize("kind", KINDS)
def test_html_is_safe_for_mail_clients(kind: str) -> None:
    html = render(kind, sample_context(kind)).html
    lowered = html.lower()
    assert "<script" not in lowered  # the sample summary carries <script>alert(1)</script>
    assert "<style" not in lowered and "<link" not in lowered  # inline styles only
    assert not REMOTE.search(html), "no remote images or stylesheets"
    assert 'role="presentation"' in html  # table layout
    if kind not in ("rejection", "error", "signin"):  # signin: no text a user typed
        assert "&lt;script&gt;" in html or "digest" == kind


def test_plain_text_carries_the_same_facts_as_the_html() -> None:
    ctx = sample_context("recap")
    r = render("recap", ctx)
    for fact in ("ESC-7", "status open → working", "Call their CTO", "gone@example.com",
                 "Severity: 7 — not a severity; use 1–4", "Latest events"):
        assert fact in r.text
    assert "<script>alert(1)</script>" in r.text  # plain text is not HTML: left as typed


def test_breach_says_who_did_not_act_since_when_and_what_next() -> None:
    ctx = sample_context("breach")
    text = render("breach", ctx).text
    assert "nobody has acknowledged it since" in text and "director rung did not act" in text
    assert "next rung is notified at 2026-11-26 18:05 UTC" in text
    ctx["breach"].__dict__.update(target="resolution", rung="executive")
    ctx["next_at"] = None
    text = render("breach", ctx).text
    assert "missed its resolution target" in text and "still working" in text
    assert "top of the ladder" in text


def test_a_long_summary_is_cut_in_the_subject_not_in_the_body() -> None:
    ctx = sample_context("new")
    ctx["esc"]["summary"] = "word " * 2000  # 10,000 characters
    r = render("new", ctx)
    msg = build_message(from_addr="escalations@example.com", to=["a@example.com"],
                        subject=r.subject, text=r.text, html=r.html,
                        message_id="esc-7.new.1@example.com")
    assert len(str(msg["Subject"])) <= SUBJECT_MAX
    assert str(msg["Subject"]).startswith("[ESC-7] New escalation")
    assert r.text.count("word") == 2000


def test_the_packaged_templates_pass_the_check() -> None:
    check_templates()
    check_templates(str(TEMPLATES))


def test_a_team_copy_overrides_and_the_rest_falls_back(tmp_path: Path) -> None:
    subject = "[{{ esc.id }}] ACME escalation desk: {{ esc.account }}"
    (tmp_path / "new.subject.txt").write_text(subject)
    check_templates(str(tmp_path))
    r = render("new", sample_context("new"), str(tmp_path))
    assert r.subject == "[ESC-7] ACME escalation desk: Initech <Ltd>"
    assert "has escalated" in r.text  # new.txt falls back to the packaged one


def test_a_syntax_error_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    broken = "{% extends '_layout.html' %}\n{% block body %}\n{{ esc.id }\n"
    (tmp_path / "recap.html").write_text(broken)
    with pytest.raises(ConfigError) as caught:
        check_templates(str(tmp_path))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'recap.html'}:3: ") and "\n" not in message


def test_an_unknown_variable_is_reported_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "ack.txt").write_text("Hello {{ esc.id }} {{ customer_name }}\n")
    with pytest.raises(ConfigError, match=r"ack\.txt: 'customer_name' is undefined"):
        check_templates(str(tmp_path))


def test_a_missing_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        check_templates(str(tmp_path / "nope"))
