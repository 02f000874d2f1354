"""No line of our own email is ever applied, however the reply quotes it: the email
answered is known (the outbox), so `without_our_text` cuts the reply where its words
begin, whether quoted with ">" marks, indented, with no marks under a header block in any
language, or re-wrapped at another width. The emails are Escalator's real renderings."""

from __future__ import annotations

import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalator.render import render, sample_context
from parser import ParseSettings, Reply, parse
from parser.reply import sent_texts, without_our_text

from .test_reply_clients import BLOCKS

KINDS = ("ack", "recap", "new", "breach", "warning", "confirmation")
RENDERED = {kind: render(kind, sample_context(kind)) for kind in KINDS}
TOP = ["ack", "Status: working", "Severity: 2", "Owner: jordan.price@example.com",
       "Note: customer called back", "On it.", "Thanks, looking at it today.",
       "Steps: schedule a call with their CTO", "Account: Globex"]


def _raw(body: str, html: bool = False) -> bytes:
    kind = "html" if html else "plain"
    return (
        "From: Anna Rossi <anna.rossi@example.com>\r\nTo: escalations@example.com\r\n"
        "Subject: R: [ESC-7] Recap\r\nMessage-ID: <r1@mail.example.com>\r\n"
        "In-Reply-To: <esc-7.recap.0123456789abcdef0123@example.com>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/{kind}; charset=utf-8\r\n\r\n"
        + body.replace("\n", "\r\n")
    ).encode()


def _read(body: str, kind: str, html: bool = False) -> Reply:
    result = parse(_raw(body, html), ParseSettings())
    assert isinstance(result, Reply), result
    rendered = RENDERED[kind]
    return without_our_text(result, sent_texts(rendered.text, rendered.html))


def _fill(text: str, width: int) -> str:
    # as clients wrap: between words, never inside a word or an address
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


def _rewrap(text: str, width: int, paragraphs: bool) -> str:
    if paragraphs:  # re-flowed: the lines of a paragraph joined, then wrapped again
        blocks = [" ".join(b.split()) for b in text.split("\n\n")]
        return "\n\n".join(_fill(b, width) for b in blocks)
    return "\n".join(_fill(line, width) if line.strip() else "" for line in
                     text.split("\n"))


def _quote(text: str, style: str) -> str:
    lines = text.split("\n")
    if style == "marks":
        return "\n".join("> " + line if line else ">" for line in lines)
    if style == "tight-marks":
        return "\n".join(">" + line for line in lines)
    if style == "indent":
        return "\n".join("    " + line for line in lines)
    if style == "tab":
        return "\n".join("\t" + line for line in lines)
    return text


def _foreign(reply: Reply, written: set[str]) -> list[str]:
    """The lines applied that were not written at the top of the reply."""
    foreign = [c.line for c in reply.commands if c.line.strip() not in written]
    for c in reply.commands:
        if c.name == "note":
            foreign.extend(x for x in c.value.split("\n") if x.strip() and not any(
                w.endswith(x.strip()) for w in written))
    return foreign


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(KINDS),
    part=st.sampled_from(["text", "html"]),
    top=st.lists(st.sampled_from(TOP), max_size=4),
    header=st.sampled_from([""] + sorted(BLOCKS)),
    style=st.sampled_from(["none", "marks", "tight-marks", "indent", "tab"]),
    width=st.one_of(st.none(), st.integers(min_value=20, max_value=120)),
    paragraphs=st.booleans(),
    signature=st.sampled_from(["", "Get Outlook for iOS<https://aka.ms/o0ukef>",
                               "Inviato da iPhone", "-- \nAnna Rossi"]),
)
def test_no_line_of_the_email_answered_is_ever_applied(
    kind: str, part: str, top: list[str], header: str, style: str, width: int | None,
    paragraphs: bool, signature: str,
) -> None:
    rendered = RENDERED[kind]
    ours = rendered.text if part == "text" else sent_texts("", rendered.html)[1]
    if width is not None:
        ours = _rewrap(ours, width, paragraphs)
    block = BLOCKS[header].replace("\r\n", "\n") if header else ""
    body = "\n".join(top) + ("\n\n" + signature if signature else "") + "\n\n" + block + (
        "\n" if block else "") + _quote(ours, style) + "\n"
    reply = _read(body, kind)
    written = {line.strip() for line in top}
    assert _foreign(reply, written) == [], (body, reply.commands)
    # and what was written at the top is applied (no line of it lost to the cut)
    commands = [t for t in top if not t.startswith(("On it", "Thanks"))]
    assert [c.line.strip() for c in reply.commands if c.name != "note"] == [
        t for t in commands if not t.startswith("Note:")] or not commands


def test_italian_outlook_recap_quoted_without_marks() -> None:
    ours = RENDERED["recap"].text
    body = ("Status: waiting\n\nInviato da Outlook per iOS\n\n" + BLOCKS["outlook-it"]
            .replace("\r\n", "\n") + "\n" + ours)
    reply = _read(body, "recap")
    assert [(c.name, c.value) for c in reply.commands] == [("status", "waiting")]


def test_quote_the_splitter_cannot_see_is_cut_by_its_words() -> None:
    # no header, no marks, no attribution: only our words say where the quote begins
    ours = _rewrap(RENDERED["recap"].text, 37, paragraphs=True)
    reply = _read("On it.\nStatus: working\n\n" + ours, "recap")
    assert [(c.name, c.value) for c in reply.commands] == [
        ("status", "working"), ("note", "On it.")]


def test_html_only_reply_quoting_our_html_without_a_container() -> None:
    html = ('<html><body><div>Severity: 1</div><div><br></div><div>Da: Escalator</div>'
            '<div>Inviato: lunedì 1 dicembre 2026 10:02</div>'
            + RENDERED["breach"].html.split("<body", 1)[1].split(">", 1)[1])
    reply = _read(html, "breach", html=True)
    assert [(c.name, c.value) for c in reply.commands] == [("severity", "1")]


def test_text_that_only_shares_a_few_words_with_ours_is_kept() -> None:
    reply = _read("Note: call their CTO tomorrow\nStatus: working\n", "recap")
    assert [(c.name, c.value) for c in reply.commands] == [
        ("note", "call their CTO tomorrow"), ("status", "working")]
