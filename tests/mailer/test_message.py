"""build_message: the headers user text cannot break, and what every email carries."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage

import pytest

from mailer.message import (
    SUBJECT_MAX,
    OutgoingMessage,
    build_message,
    clean_header,
    cut_subject,
)


def build(**overrides: object) -> OutgoingMessage:
    values: dict[str, object] = dict(
        from_addr="Escalator <escalations@example.com>",
        to=["csm@example.com"],
        cc=[],
        subject="[ESC-1] Escalation: Acme – export failing",
        text="Hello\n",
        html="<p>Hello</p>",
        message_id="<esc-1.1@example.com>",
    )
    values.update(overrides)
    return build_message(**values)  # type: ignore[arg-type]


def wire(msg: OutgoingMessage) -> EmailMessage:
    """What a client reads back: serialised as smtplib would, then parsed."""
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_every_email_carries_the_standard_headers() -> None:
    msg = wire(build(in_reply_to="esc-1.0@example.com",
                     references=["<esc-1.0@example.com>", "esc-1.0@example.com"],
                     reply_to="escalations@example.com"))
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["MIME-Version"] == "1.0"
    assert msg["Message-ID"] == "<esc-1.1@example.com>"
    assert msg["In-Reply-To"] == "<esc-1.0@example.com>"
    assert msg["References"] == "<esc-1.0@example.com>"
    assert msg["Reply-To"] == "escalations@example.com"
    assert msg["Date"]


def test_text_and_html_alternatives() -> None:
    msg = wire(build())
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert wire(build(html=None)).get_content_type() == "text/plain"


def test_crlf_in_user_text_never_makes_a_header() -> None:
    evil = "Acme\r\nBcc: victim@evil.example\r\nX-Evil: 1"
    msg = build(subject=f"[ESC-2] {evil}", to=[f'"{evil}" <csm@example.com>'],
                headers={"X-Escalation": evil})
    raw = msg.as_bytes()
    parsed = wire(msg)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert b"\r\nBcc:" not in raw and b"\r\nX-Evil:" not in raw
    assert parsed["Subject"] == "[ESC-2] Acme Bcc: victim@evil.example X-Evil: 1"
    assert parsed["To"].addresses[0].addr_spec == "csm@example.com"


def test_control_characters_are_removed() -> None:
    assert clean_header("a\x00b\x1b[31mc\u2028d\x7fe\tf") == "a b [31mc d e f"


def test_a_long_summary_is_cut_in_the_subject_only() -> None:
    summary = "word " * 2_000
    msg = wire(build(subject=f"[ESC-3] Acme – {summary}", text=summary))
    subject = msg["Subject"]
    assert len(subject) <= SUBJECT_MAX and subject.endswith("\u2026")
    assert subject.startswith("[ESC-3] Acme – word word")
    body = msg.get_body(("plain",))
    assert body is not None and body.get_content().strip() == summary.strip()
    assert cut_subject("x" * 500) == "x" * (SUBJECT_MAX - 1) + "\u2026"  # no space to cut at


def test_non_ascii_names_and_subjects_are_encoded() -> None:
    msg = build(subject="[ESC-4] Müller GmbH – Zahlungsausfall 💸",
                to=['"Jürgen Müller, Vertrieb" <jm@example.com>'],
                cc=[Address("Zoë Ångström", addr_spec="zoe@example.com")])
    raw = msg.as_bytes()
    assert raw.isascii() and b"=?utf-8?" in raw
    parsed = wire(msg)
    assert parsed["Subject"] == "[ESC-4] Müller GmbH – Zahlungsausfall 💸"
    assert parsed["To"].addresses[0].display_name == "Jürgen Müller, Vertrieb"
    assert parsed["Cc"].addresses[0].display_name == "Zoë Ångström"
    utf8 = msg.as_bytes(utf8=True)  # under SMTPUTF8: raw UTF-8
    assert "Müller GmbH".encode() in utf8


def test_recipients_are_deduplicated_case_insensitively() -> None:
    msg = wire(build(to=["A@Example.com", "b@example.com", "a@example.com"],
                     cc=["B@EXAMPLE.com", "Carol <c@example.com>", "c@example.com"]))
    assert [a.addr_spec for a in msg["To"].addresses] == ["A@Example.com", "b@example.com"]
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["c@example.com"]


def test_a_fixed_date() -> None:
    msg = build(date=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    assert msg["Date"] == "Sun, 01 Mar 2026 09:30:00 +0000"


@pytest.mark.parametrize(
    "overrides",
    [
        {"to": [], "cc": []},
        {"to": ["not an address"]},
        {"to": ["a@example.com, b@example.com"]},  # two in one string
        {"message_id": "no-at-sign"},
        {"headers": {"From": "x@example.com"}},  # may not replace a header set here
        {"headers": {"X-Bad: name": "v"}},
    ],
)
def test_refuses_what_it_cannot_send_safely(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        build(**overrides)
