"""The screens, one question each, in their written order."""

from __future__ import annotations

from parser import Ignored, Intake, ParseSettings, Rejection, parse
from parser.screen import STEPS

from .conftest import load


def _msg(headers: str, body: str = "Issue: login broken\r\n", sender: str = "dana@example.com",
         subject: str = "Escalation: Acme – Login broken") -> bytes:
    return (f"From: {sender}\r\nTo: escalations@example.com\r\nSubject: {subject}\r\n"
            f"Message-ID: <m1@example.com>\r\n{headers}"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def test_order_is_written_once() -> None:
    assert [name for name, _ in STEPS] == [
        "size", "own_mail", "bounce", "auto_reply", "sender", "thread", "template"]


def test_oversize_is_rejected_from_headers_only() -> None:
    raw = load("seed004_gmail.eml")
    head = raw[: raw.index(b"\r\n\r\n") + 4]
    result = parse(head, ParseSettings(), size=int(31.2 * 1024 * 1024))
    assert isinstance(result, Rejection)
    assert [str(p) for p in result.problems] == [
        "message: is 31.2 MB, larger than the 25 MB limit; "
        "send the template without large attachments"]
    assert result.envelope.sender == "dana.whitfield@example.com"


def test_own_mail_by_sender_and_by_message_id() -> None:
    r = parse(_msg("", sender="Escalations <escalations@example.com>"), ParseSettings())
    assert isinstance(r, Ignored) and r.reason == "own mail"
    raw = _msg("").replace(b"<m1@example.com>", b"<esc-4.recap.ab12@example.com>")
    r = parse(raw, ParseSettings())
    assert isinstance(r, Ignored) and r.reason == "own mail"


def test_auto_replies_and_lists() -> None:
    for header in ("Auto-Submitted: auto-replied\r\n", "Precedence: bulk\r\n",
                   "X-Autoreply: yes\r\n", "List-Id: <cs.example.com>\r\n"):
        r = parse(_msg(header), ParseSettings())
        assert isinstance(r, Ignored) and not r.keep_in_failed, header
    r = parse(_msg("", subject="Automatic reply: Escalation: Acme – x"), ParseSettings())
    assert isinstance(r, Ignored)
    assert isinstance(parse(_msg("Auto-Submitted: no\r\n"), ParseSettings()), Intake)


def test_dsn_bounce_names_our_message_and_recipient() -> None:
    raw = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: escalations@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn1@mx.example.com>\r\nAuto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; gone@customer.example.org\r\nAction: failed\r\n"
        "Status: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: escalations@example.com\r\nMessage-ID: <esc-12.breach.0f3a@example.com>\r\n"
        "Subject: [ESC-12] breach\r\n\r\n--B--\r\n"
    ).encode()
    r = parse(raw, ParseSettings())
    assert isinstance(r, Ignored) and r.reason == "bounce" and not r.keep_in_failed
    assert r.bounce_of == "esc-12.breach.0f3a@example.com"
    assert r.bounced_recipients == ("gone@customer.example.org",)


def test_outsider_is_kept_in_failed() -> None:
    r = parse(_msg("", sender="Eve <eve@customer.example.org>"), ParseSettings())
    assert isinstance(r, Ignored) and r.keep_in_failed
    assert r.reason == "outsider eve@customer.example.org"
    assert isinstance(parse(_msg("", sender="x@eu.example.com"), ParseSettings()), Intake)
    r = parse(_msg("", sender="x@notexample.com"), ParseSettings())
    assert isinstance(r, Ignored)


def test_dmarc_with_a_trusted_authserv_id() -> None:
    settings = ParseSettings(trusted_authserv_id="mx.example.com")
    passing = "Authentication-Results: mx.example.com; dmarc=pass header.from=example.com\r\n"
    forged = "Authentication-Results: evil.example.net; dmarc=pass header.from=example.com\r\n"
    failing = "Authentication-Results: mx.example.com; dmarc=fail header.from=example.com\r\n"
    assert isinstance(parse(_msg(passing), settings), Intake)
    for header in (forged, failing, ""):
        r = parse(_msg(header), settings)
        assert isinstance(r, Ignored) and r.reason.endswith("(dmarc fail)") and r.keep_in_failed


def test_envelope_digest_when_message_id_missing() -> None:
    raw = _msg("").replace(b"Message-ID: <m1@example.com>\r\n", b"")
    r = parse(raw, ParseSettings())
    assert r.envelope.message_id.startswith("sha256:") and len(r.envelope.message_id) == 71
    assert parse(raw, ParseSettings()).envelope.message_id == r.envelope.message_id


def test_garbage_never_raises() -> None:
    broken = b"Content-Type: multipart/mixed\r\n\r\n--"
    for raw in (b"", b"\x00\xff" * 50, b"From:\r\n\r\n", broken):
        assert parse(raw, ParseSettings()) is not None
