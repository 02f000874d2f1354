"""The wire form build_message writes by itself: what a client parses back is what was set."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.message import OutgoingMessage, build_message, clean_header, cut_subject
from mailer.mime import MAX_LINE


def build(**overrides: object) -> OutgoingMessage:
    values: dict[str, object] = dict(
        from_addr="Escalator <escalations@example.com>", to=["csm@example.com"],
        subject="[ESC-1] test", text="Hello\n", html="<p>Hello</p>",
        message_id="<esc-1.1@example.com>",
    )
    values.update(overrides)
    return build_message(**values)  # type: ignore[arg-type]


def parse(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def header_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def test_long_headers_are_folded_and_read_back_whole() -> None:
    people = [f"Person Number {i} <person.{i}@example.com>" for i in range(12)]
    subject = "[ESC-9] Zürich – " + "Überweisung fehlgeschlagen " * 6
    msg = build(to=people, cc=["Zoë Ångström-Øster <zoe@example.com>"], subject=subject)
    raw = msg.as_bytes()
    assert raw.isascii()
    assert all(len(line) <= MAX_LINE for line in header_lines(raw))
    parsed = parse(raw)
    assert [str(a) for a in parsed["To"].addresses] == people
    assert parsed["Cc"].addresses[0].display_name == "Zoë Ångström-Øster"
    assert parsed["Subject"] == cut_subject(subject)
    assert b"Subject: [ESC-9] " in raw  # the tag stays readable: only words that need it


def test_bodies_come_back_as_written() -> None:
    text = ("Dear team,  \n.\n.. a line with dots\nFrom here on\n" + "long " * 40 + "\n"
            "tab\tend\t\nwindows\r\nold mac\rend=equals")
    html = "<p>日本語のテキスト、" * 50 + "</p>"
    parsed = parse(build(text=text, html=html).as_bytes())
    plain = parsed.get_body(("plain",))
    rich = parsed.get_body(("html",))
    assert plain is not None and rich is not None
    want = text.replace("\r\n", "\n").replace("\r", "\n") + "\n"
    assert plain.get_content().replace("\r\n", "\n") == want  # the parser keeps CRLF
    assert rich.get_content().replace("\r\n", "\n") == html + "\n"
    assert rich["Content-Transfer-Encoding"] == "base64"  # shorter than QP for CJK


def test_ascii_short_lines_go_as_7bit() -> None:
    parsed = parse(build(text="Hello\nworld\n", html=None).as_bytes())
    assert parsed.get_content_type() == "text/plain"
    assert parsed["Content-Transfer-Encoding"] == "7bit"
    assert parsed["MIME-Version"] == "1.0"


def test_text_that_looks_encoded_stays_text() -> None:
    trick = "=?utf-8?q?Bcc=3A_x?= =?x?"
    parsed = parse(build(subject=f"[ESC-5] {trick}",
                         to=[f'"{trick}" <csm@example.com>']).as_bytes())
    assert parsed["Subject"] == f"[ESC-5] {trick}"
    assert parsed["To"].addresses[0].display_name == trick


def test_a_non_ascii_domain_is_idna_unless_smtputf8() -> None:
    msg = build(to=["Jörg <jorg@bücher.example>"])
    assert b"jorg@xn--bcher-kva.example" in msg.as_bytes()
    utf8 = msg.as_bytes(utf8=True)
    assert "Jörg <jorg@bücher.example>".encode() in utf8


def test_headers_read_as_people_see_them() -> None:
    msg = build(to=["A <a@example.com>"], cc=["b@example.com"], subject="[ESC-1] Grüße")
    assert msg["subject"] == "[ESC-1] Grüße" and msg["To"] == "A <a@example.com>"
    assert msg["Cc"] == "b@example.com" and msg["Bcc"] is None


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300), st.text(max_size=80))
def test_any_subject_and_name_round_trip(subject: str, name: str) -> None:
    msg = build(subject=subject, to=["csm@example.com"],
                cc=[f'"{clean_header(name).replace(chr(92), "").replace(chr(34), "")}" '
                    "<cc@example.com>"])
    raw = msg.as_bytes()
    assert raw.isascii()
    assert all(len(line) <= 998 for line in header_lines(raw))
    parsed = parse(raw)
    assert parsed["Subject"] == cut_subject(subject)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["csm@example.com"]
    expected = " ".join(clean_header(name).replace("\\", "").replace('"', "").split())
    # a long name takes several encoded words; RFC 2047 readers join them, Python's phrase
    # parser puts a space between (so it did with email.policy's own output)
    got = parsed["Cc"].addresses[0].display_name
    assert got.replace(" ", "") == expected.replace(" ", "")
