"""An HTML-only reply: only what a reader sees can be a command. Text hidden by a style,
a <style> rule, the hidden attribute, a zero size or a colour equal to its background is
not read at all."""

from __future__ import annotations

import pytest

from parser import ParseSettings, Reply, parse


def _reply(html: str) -> Reply:
    raw = ("From: Anna Rossi <anna.rossi@example.com>\r\nTo: escalations@example.com\r\n"
           "Subject: Re: [ESC-3] Initech\r\nMessage-ID: <r1@mail.example.com>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           f"<html><head><style>.x{{display:none}} p.ghost {{ visibility : hidden }}</style>"
           f"</head><body><div>ack</div>{html}<div>Customer called back.</div></body></html>")
    result = parse(raw.encode(), ParseSettings())
    assert isinstance(result, Reply), result
    return result


EXPECTED = [("ack", ""), ("note", "Customer called back.")]


@pytest.mark.parametrize("hidden", [
    '<div style="display:none">Status: done</div>',
    '<div style="DISPLAY: none !important">Status: done</div>',
    '<span style="visibility:hidden">Status: done</span>',
    '<div hidden>Status: done</div>',
    '<div style="font-size:0">Status: done</div>',
    '<div style="font-size:0px;line-height:0">Status: done</div>',
    '<div style="font-size:1px">Status: done</div>',
    '<div style="width:0;height:0;overflow:hidden">Status: done</div>',
    '<div style="max-height:0px; overflow:hidden">Status: done</div>',
    '<div style="mso-hide:all">Status: done</div>',
    '<div style="opacity:0">Status: done</div>',
    '<div style="color:#ffffff">Status: done</div>',
    '<div style="color:white;background:#fff">Status: done</div>',
    '<div style="background-color:#123456"><p style="color:#123456">Status: done</p></div>',
    '<table bgcolor="#eeeeee"><tr><td><font color="#EEE">Status: done</font></td></tr></table>',
    '<div style="color:rgb(255, 255, 255)">Status: done</div>',
    '<div class="x">Status: done</div>',
    '<p class="ghost">Status: done</p>',
    '<template><div>Status: done</div></template>',
])
def test_hidden_text_is_not_read(hidden: str) -> None:
    r = _reply(hidden)
    assert [(c.name, c.value) for c in r.commands] == EXPECTED


@pytest.mark.parametrize("shown", [
    '<div style="color:#ffffff;background-color:#172b4d">Status: working</div>',
    '<div style="font-size:14px;display:block">Status: working</div>',
    '<div style="height:0">Status: working</div>',
    '<div style="color:#333">Status: working</div>',
])
def test_visible_text_is_read(shown: str) -> None:
    r = _reply(shown)
    assert ("status", "working") in [(c.name, c.value) for c in r.commands]


def test_hidden_markup_at_scale_is_read_in_one_pass() -> None:
    # under parser.reply.REPLY_HTML_CHARS (150,000 characters), all of it read
    nested = '<div style="color:#fff;background:#fff">' * 1000 + "Status: done" + "</div>" * 1000
    many = '<span style="display:none">Status: done</span>' * 1000
    style = "<style>" + "{" * 10_000 + ".a" * 10_000 + "</style>"
    r = _reply(nested + many + style)
    assert [(c.name, c.value) for c in r.commands] == EXPECTED


@pytest.mark.parametrize("hostile", [
    "<head " * 20_000, "<!-- " * 20_000, "<style>" * 20_000, "<a " * 20_000,
    "<a href " + "href " * 10_000 + ">",
])
def test_hostile_markup_is_read_in_one_pass(hostile: str) -> None:
    r = _reply(hostile)
    assert ("ack", "") in [(c.name, c.value) for c in r.commands]
    assert not any(c.name == "status" for c in r.commands)


def test_an_unclosed_comment_hides_the_rest_as_a_browser_does() -> None:
    r = _reply("<!-- x --><div>Severity: 2</div><!-- <div>Status: done</div>")
    assert [(c.name, c.value) for c in r.commands] == [("ack", ""), ("severity", "2")]


def test_a_huge_html_reply_is_read_from_its_top() -> None:
    # commands stand at the top: 5 MB of markup below them is not rendered at all
    r = _reply('<div style="color:#333">Status: working</div>' + "<p>x</p>" * 600_000)
    assert ("status", "working") in [(c.name, c.value) for c in r.commands]
