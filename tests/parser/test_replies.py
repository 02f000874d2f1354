"""Replies from each client: commands come from the new text only, never from the quoted
history; invalid values become problems."""

from __future__ import annotations

from parser import ParseSettings, Reply, parse

from .conftest import load, parse_file


def _reply(name: str) -> Reply:
    result = parse_file(name)
    assert isinstance(result, Reply), result
    return result


def _commands(reply: Reply) -> list[tuple[str, str]]:
    return [(c.name, c.value) for c in reply.commands]


def test_gmail_multipart_two_line_attribution() -> None:
    r = _reply("reply_gmail.eml")
    assert r.escalation_id == 7
    assert _commands(r) == [
        ("status", "waiting"), ("severity", "3"),
        ("note", "Customer is testing the fix on their side."),
    ]


def test_gmail_html_only_cuts_gmail_quote() -> None:
    assert _commands(_reply("reply_gmail_html_only.eml")) == [("ack", "")]


def test_outlook_web_divrplyfwdmsg_without_quote_marks() -> None:
    r = _reply("reply_outlook_web_html.eml")
    assert _commands(r) == [
        ("owner", "jordan.price@example.com"),
        ("steps", "schedule exec call with their VP Ops"),
    ]


def test_outlook_desktop_border_top_header() -> None:
    r = _reply("reply_outlook_desktop_html.eml")
    assert _commands(r) == [
        ("status", "done"), ("note", "root cause was an expired SAML certificate")]


def test_iphone_invalid_status_is_a_problem_and_quote_ignored() -> None:
    r = _reply("reply_iphone.eml")
    assert r.escalation_id == 9  # from the [ESC-9] tag: no References
    assert ("status", "done") not in _commands(r)
    assert [p.field for p in r.problems] == ["Status"]
    assert "'finished' — not a status; use open, working, waiting or done" in r.problems[0].message
    assert "Sent from my iPhone" not in r.text


def _plain_reply(body: str, subject: str = "Re: [ESC-3] Initech") -> Reply:
    raw = (
        "From: a.person@example.com\r\nTo: escalations@example.com\r\n"
        f"Subject: {subject}\r\nMessage-ID: <r1@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    ).encode()
    result = parse(raw, ParseSettings())
    assert isinstance(result, Reply), result
    return result


def test_invalid_severity_and_owner() -> None:
    r = _plain_reply("Severity: 7\r\nOwner: jordan\r\n")
    assert r.commands == ()
    assert [str(p) for p in r.problems] == [
        "Severity: 7 — not a severity; use 1–4",
        "Owner: 'jordan' — not an e-mail address; use name@domain",
    ]


def test_case_insensitive_labels_and_ack_variants() -> None:
    r = _plain_reply("ACKNOWLEDGED\r\nstatus: Working\r\nSEV: 2\r\nCategory: billing\r\n"
                     "Type: visibility\r\nLinks: https://a.example/x and https://b.example/y\r\n")
    assert _commands(r) == [
        ("ack", ""), ("status", "working"), ("severity", "2"), ("category", "Billing"),
        ("type", "Visibility"), ("links", "https://a.example/x"), ("links", "https://b.example/y"),
    ]


def test_references_win_over_subject_tag() -> None:
    raw = load("reply_gmail.eml").replace(b"[ESC-7]", b"[ESC-99]")
    result = parse(raw, ParseSettings())
    assert isinstance(result, Reply) and result.escalation_id == 7


def test_outlook_plain_from_block_and_original_message_banner() -> None:
    r = _plain_reply("Note: vendor patch applied\r\n\r\n-----Original Message-----\r\n"
                     "From: Escalations\r\nStatus: done\r\n")
    assert _commands(r) == [("note", "vendor patch applied")]
    r = _reply("reply_outlook_ack.eml")
    assert ("status", "done") not in _commands(r)


def test_german_attribution_and_signature() -> None:
    r = _plain_reply("Status: working\r\n\r\n-- \r\nJ. Doe | VP Ops\r\n\r\n"
                     "Am 05.03.2025 um 09:14 schrieb Escalations <escalations@example.com>:\r\n"
                     "> Status: done\r\n")
    assert _commands(r) == [("status", "working")]
