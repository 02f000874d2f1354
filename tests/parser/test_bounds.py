"""No input makes the parser slow, and every value it gives fits its column.

The slow inputs below each took from seconds to minutes before (quadratic or worse
patterns): run against such code, these tests hang instead of passing. No test times
anything; each asserts what the message is.
"""

from __future__ import annotations

import quopri

from parser import Ignored, Intake, ParseSettings, Rejection, Reply, parse
from parser.limits import clip
from parser.result import Command
from parser.screen import ours

SETTINGS = ParseSettings(mailbox_address="escalations@example.com",
                         message_id_domain="example.com", internal_domains=("example.com",))


def _raw(subject: bytes = b"Escalation: Acme Corp - Login failures", body: bytes = b"",
         sender: bytes = b"Dana Whitfield <dana@example.com>", extra: bytes = b"",
         cte: bytes = b"8bit", message_id: bytes = b"<b-1@mail.example.com>") -> bytes:
    return (b"From: " + sender + b"\r\nTo: escalations@example.com\r\nSubject: " + subject +
            b"\r\nDate: Wed, 5 Mar 2025 09:00:00 +0000\r\nMessage-ID: " + message_id +
            b"\r\n" + extra + b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8"
            b"\r\nContent-Transfer-Encoding: " + cte + b"\r\n\r\n" + body)


# --- inputs that were catastrophic -------------------------------------------------------

def test_folded_subject_of_25_kb_of_encoded_spaces() -> None:
    words = b"\r\n ".join([b"=?utf-8?q?" + b"_" * 60 + b"?="] * 350)  # 25 KB, folded
    r = parse(_raw(b"Escalation: Acme" + words + b"x", b"Issue: SSO fails\r\n"), SETTINGS)
    assert isinstance(r, Rejection), r  # no separator: the customer is asked for
    assert [p.field for p in r.problems] == ["Account"]
    assert r.envelope.subject == "Escalation: Acme"  # 2,000 characters kept: then spaces


def test_subject_runs_of_spaces_dashes_and_severity_markers() -> None:
    for subject in (b"Escalation: Acme" + b" " * 30000 + b"x",
                    b"Escalation: Acme " + b"- " * 15000,
                    b"Escalation: Acme - Login sev" + b" " * 30000 + b"x",
                    b"Re: [ESC-" + b"1" * 30000 + b" x"):
        r = parse(_raw(subject, b"Issue: SSO fails\r\n"), SETTINGS)
        assert isinstance(r, (Intake, Rejection)), r


def test_bounce_quoting_160_kb_of_esc_dots() -> None:
    raw = _raw(b"Undelivered Mail Returned to Sender", b"esc-1." * 27000 + b"\r\n",
               sender=b"MAILER-DAEMON@mx.example.net")
    r = parse(raw, SETTINGS)
    assert isinstance(r, Ignored) and r.reason == "bounce" and r.bounce_of is None
    ours_too = raw.replace(b"esc-1." * 27000, b"esc-1." * 27000 + b"ack.9f2c@example.com")
    r = parse(ours_too, SETTINGS)
    assert isinstance(r, Ignored) and r.bounce_of is not None
    assert r.bounce_of.startswith("esc-1.") and r.bounce_of.endswith("ack.9f2c@example.com")


def test_our_message_ids_are_read_as_before() -> None:
    text = "<esc-12.ack.3f9a@example.com> x.esc-3.new.ab@example.com éesc-9.a@example.com"
    assert ours.escalation_ids(text, "example.com") == [12, 3]
    assert ours.first_id("see esc-4.r.a@example.com.evil.example", "example.com") == (
        "esc-4.r.a@example.com")
    assert ours.is_ours("esc-12.ack.3f9a@example.com", "example.com")
    assert not ours.is_ours("x.esc-12.ack.3f9a@example.com", "example.com")
    assert ours.escalation_ids("esc-99999999999999999999.ack.1@example.com", "example.com") == []


def test_quoted_printable_body_of_42_kb_of_spaces() -> None:
    body = quopri.encodestring(b"Issue: SSO fails" + b" " * 42000 + b":\r\nRisk Level: High\r\n")
    r = parse(_raw(body=body, cte=b"quoted-printable"), SETTINGS)
    assert isinstance(r, Intake) and r.risk_level == "High"
    r = parse(_raw(b"Re: [ESC-5] Acme", body, cte=b"quoted-printable"), SETTINGS)
    assert isinstance(r, Reply)


def test_body_runs_of_spaces_dashes_and_quote_marks() -> None:
    bodies = (b"Issue: SSO fails\r\n" + b" " * 100000 + b":\r\n",
              b"Issue: SSO fails\r\n" + b"-" * 100000 + b"\r\n",
              b"Issue: SSO fails\r\n" + b">" * 100000 + b"\r\n",
              b"Issue: SSO fails\r\n" + b"> " * 50000 + b"\r\n",
              b"Issue: SSO fails\r\nSev" + b" " * 100000 + b"x\r\n",
              b"Issue: SSO fails\r\nSeverity: sev" + b" " * 100000 + b"x\r\n",
              b"Issue: SSO fails\r\nActions Taken: a" + b" " * 100000 + b"b\r\n")
    for body in bodies:
        r = parse(_raw(body=body), SETTINGS)
        assert isinstance(r, Intake) and r.issue.startswith("SSO fails"), body[:40]
        r = parse(_raw(b"Re: [ESC-5] Acme", b"ack\r\n" + body), SETTINGS)
        assert isinstance(r, Reply) and r.commands[0].name == "ack", body[:40]


def test_severity_of_thousands_of_digits_is_a_problem_not_a_crash() -> None:
    r = parse(_raw(body=b"Issue: SSO fails\r\nSeverity: " + b"9" * 5000 + b"\r\n"), SETTINGS)
    assert isinstance(r, Intake) and r.severity is None
    assert [n.field for n in r.notes] == ["Severity"]
    assert len(r.notes[0].message) < 200


def test_text_beyond_twenty_thousand_lines_is_not_read() -> None:
    body = b"Issue: SSO fails\r\n" + b"x\r\n" * 20000 + b"Risk Level: High\r\n"
    r = parse(_raw(body=body), SETTINGS)
    assert isinstance(r, Intake) and r.risk_level is None
    r = parse(_raw(b"Re: [ESC-5] Acme", b"ack\r\n" + body), SETTINGS)
    assert isinstance(r, Reply) and r.commands[0].name == "ack"


def test_text_beyond_a_hundred_pages_is_not_read() -> None:
    body = b"Issue: SSO fails\r\n" + (b"x" * 99 + b"\r\n") * 3100 + b"Risk Level: High\r\n"
    r = parse(_raw(body=body), SETTINGS)
    assert isinstance(r, Intake) and r.risk_level is None


# --- values that fit their columns ------------------------------------------------------

def test_nul_bytes_are_gone_from_every_value() -> None:
    r = parse(_raw(b"Escalation: Ac\x00me - Log\x00in", b"Issue: SS\x00O fails\r\n",
                   message_id=b"<n\x00ul@mail.example.com>"), SETTINGS)
    assert isinstance(r, Intake), r
    assert (r.account, r.summary, r.issue) == ("Acme", "Login", "SSO fails")
    assert r.envelope.message_id == "nul@mail.example.com"


def test_outsider_subject_with_nul_is_kept_clean() -> None:
    r = parse(_raw(b"hello\x00there", b"x", sender=b"x@evil.example"), SETTINGS)
    assert isinstance(r, Ignored) and "\x00" not in r.envelope.subject


def test_message_id_too_long_for_its_column_is_hashed() -> None:
    long_id = b"<" + b"a" * 1200 + b"@mail.example.com>"
    r = parse(_raw(body=b"Issue: SSO fails\r\n", message_id=long_id), SETTINGS)
    assert isinstance(r, Intake)
    assert r.envelope.message_id.startswith("sha256:") and len(r.envelope.message_id) == 71
    again = parse(_raw(body=b"Issue: other\r\n", message_id=long_id), SETTINGS)
    assert again.envelope.message_id == r.envelope.message_id  # the same message


def test_from_too_long_for_its_column_is_no_sender() -> None:
    # cut at 320 characters it would read as a subdomain of example.com
    sender = b"x@" + b"a" * 305 + b".example.com.evil.example"
    r = parse(_raw(body=b"Issue: SSO fails\r\n", sender=sender), SETTINGS)
    assert isinstance(r, Ignored) and r.reason == "outsider (no sender)"


def test_account_type_and_category_are_cut_to_their_columns() -> None:
    body = (b"Account: " + b"A" * 400 + b"\r\nIssue: SSO fails\r\nType: " + b"T" * 150 +
            b"\r\nCategory: " + b"C" * 150 + b"\r\nOwner: " + b"o" * 330 + b"@example.com\r\n")
    r = parse(_raw(body=body), SETTINGS)
    assert isinstance(r, Intake), r
    assert (len(r.account), len(r.type), len(r.category), r.owner) == (300, 100, 100, "")


def test_escalation_id_beyond_the_id_column_is_no_tag() -> None:
    r = parse(_raw(b"Re: [ESC-99999999999999999999] Acme - Login", b"ack\r\n"), SETTINGS)
    assert not isinstance(r, Reply)
    r = parse(_raw(b"Re: [ESC-2147483648] Acme", b"ack\r\n"), SETTINGS)
    assert not isinstance(r, Reply)
    r = parse(_raw(b"Re: [ESC-2147483647] Acme", b"ack\r\n"), SETTINGS)
    assert isinstance(r, Reply) and r.escalation_id == 2147483647
    r = parse(_raw(b"Re: Acme", b"ack\r\n",
                   extra=b"In-Reply-To: <esc-99999999999999999999.ack.1@example.com>\r\n"),
              SETTINGS)
    assert not isinstance(r, Reply)


def test_an_owner_command_too_long_for_an_address_is_a_problem() -> None:
    reply = parse(_raw(b"Re: [ESC-5] Acme", b"ack\r\n"), SETTINGS)
    assert isinstance(reply, Reply)
    from dataclasses import replace
    long_owner = Command("owner", "o" * 330 + "@example.com", "Owner: …")
    clipped = clip(replace(reply, commands=(*reply.commands, long_owner)))
    assert [c.name for c in clipped.commands] == ["ack"]
    assert [p.field for p in clipped.problems] == ["Owner"]
