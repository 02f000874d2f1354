"""Which parts a message's text comes from: an attached email is an attachment (subject,
from, date), never text; a plain part beats an HTML part whose tables are layout, an
HTML label table beats a plain part that flattened it; a body sent as a lone text
attachment is read; filenames in every encoding clients use."""

from __future__ import annotations

import email
from datetime import datetime, timezone

from parser import Attachment, Ignored, Intake, ParseSettings, Rejection, Reply, parse
from parser.body import read_body

from .conftest import load, parse_file

SETTINGS = ParseSettings(internal_domains=("example.com",))
ATTACHED = Attachment(
    "", "message/rfc822", 690, subject="Invoices are wrong again",
    sender="pat.okafor@customer.example", sender_name="Pat Okafor",
    date=datetime(2025, 3, 4, 17, 2, 11, tzinfo=timezone.utc),
)


def _intake(name: str) -> Intake:
    result = parse_file(name, SETTINGS)
    assert isinstance(result, Intake), result
    return result


def test_outlook_attached_item_is_an_attachment_not_text() -> None:
    r = _intake("outlook_attach_item.eml")
    assert (r.account, r.summary) == ("Initech", "Billing errors on three invoices")
    assert r.issue == "Three invoices in a row billed at the old rate"
    # the customer's "Severity: 4", "Owner:" and "Risk Level: Low" are the customer's words
    assert (r.severity, r.risk_level, r.owner) == (2, "High", "")
    assert r.actions_taken == ("Credit note requested from finance",)
    assert r.attachments == (ATTACHED,)


def test_apple_mail_forward_as_attachment() -> None:
    r = _intake("apple_mail_forward_as_attachment.eml")
    assert (r.severity, r.risk_level, r.owner) == (3, "Medium", "")
    assert r.attachments == (
        Attachment(**{**ATTACHED.__dict__, "filename": "Invoices are wrong again.eml"}),)


def test_base64_encoded_attached_email_leaves_no_base64_in_the_text() -> None:
    r = _intake("forward_as_attachment_base64.eml")
    assert r.attachments[0].subject == "Invoices are wrong again"
    assert r.attachments[0].sender == "pat.okafor@customer.example"
    body = read_body(email.message_from_bytes(load("forward_as_attachment_base64.eml")))
    assert "RnJvbT" not in body.plain and "Pat" not in body.plain
    assert body.plain.startswith("Issue: Invoices billed at the old rate")


def test_reply_with_an_attached_email_reads_no_command_from_it() -> None:
    raw = load("outlook_attach_item.eml").replace(
        b"Subject: Escalation: Initech - Billing errors on three invoices",
        b"Subject: RE: [ESC-41] Initech - Billing errors on three invoices", 1)
    raw = raw.replace(b"Issue: Three invoices in a row billed at the old rate\r\n",
                      b"ack\r\n", 1)
    r = parse(raw, SETTINGS)
    assert isinstance(r, Reply), r
    assert [c.name for c in r.commands if c.name != "note"] == ["ack"]
    assert "Status: done" not in r.text and "Owner" not in r.text


def _mixed(*parts: bytes, outer: bytes = b"") -> bytes:
    head = (b"From: Dana Whitfield <dana@example.com>\r\nTo: escalations@example.com\r\n"
            b"Subject: Escalation: Acme Corp - Login failures\r\n"
            b"Date: Wed, 5 Mar 2025 09:00:00 +0000\r\nMessage-ID: <p-1@example.com>\r\n"
            b"MIME-Version: 1.0\r\n" + outer)
    body = b"".join(b"--XYZ\r\n" + p + b"\r\n" for p in parts) + b"--XYZ--\r\n"
    return head + b'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n' + body


def test_filenames_raw_utf8_rfc2047_and_rfc2231() -> None:
    pdf = b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
    raw = _mixed(
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nIssue: SSO fails\r\n",
        pdf + 'Content-Disposition: attachment; filename="Résumé – März.pdf"\r\n\r\n'
        "JVBERi0=\r\n".encode(),
        pdf + b'Content-Disposition: attachment; filename="=?UTF-8?B?UsOpc3Vtw6kucGRm?="'
        b"\r\n\r\nJVBERi0=\r\n",
        pdf + b"Content-Disposition: attachment;\r\n filename*0*=utf-8''R%C3%A9;\r\n"
        b" filename*1*=sum%C3%A9-2.pdf\r\n\r\nJVBERi0=\r\n",
        b'Content-Type: application/pdf; name="Gr\xfc\xdfe.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n",
    )
    r = parse(raw, SETTINGS)
    assert isinstance(r, Intake), r
    assert [a.filename for a in r.attachments] == [
        "Résumé – März.pdf", "Résumé.pdf", "Résumé-2.pdf", "Grüße.pdf"]
    assert all(a.size == 5 for a in r.attachments)


def test_a_body_sent_only_as_a_text_attachment_is_read() -> None:
    raw = _mixed(b"Content-Type: text/plain; charset=utf-8; name=escalation.txt\r\n"
                 b"Content-Disposition: attachment; filename=escalation.txt\r\n\r\n"
                 b"Issue: SSO fails for every user\r\nRisk Level: High\r\n")
    r = parse(raw, SETTINGS)
    assert isinstance(r, Intake), r
    assert (r.issue, r.severity) == ("SSO fails for every user", 2)
    assert [a.filename for a in r.attachments] == ["escalation.txt"]


def test_a_message_that_is_one_pdf_keeps_it_as_an_attachment() -> None:
    raw = (b"From: Dana <dana@example.com>\r\nTo: escalations@example.com\r\n"
           b"Subject: Escalation: Acme Corp - Login failures\r\n"
           b"Message-ID: <pdf-1@example.com>\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: application/pdf; name="incident.pdf"\r\n'
           b'Content-Disposition: attachment; filename="incident.pdf"\r\n'
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n")
    r = parse(raw, SETTINGS)
    assert isinstance(r, Intake), r  # the subject carries account and summary
    assert r.attachments == (Attachment("incident.pdf", "application/pdf", 9),)


OUTLOOK_HEAD = (
    b"From: Lena Fischer <lena.fischer@example.com>\r\nTo: escalations@example.com\r\n"
    b"Subject: Escalation: Initech - Nightly export failures\r\n"
    b"Date: Mon, 3 Mar 2025 09:30:00 +0000\r\n"
    b"Message-ID: <AM0PR07MB4131E2@AM0PR07MB4131.eurprd07.prod.outlook.com>\r\n"
    b"Content-Type: multipart/alternative;\r\n\tboundary=\"_000_AM0PR07MB4131_\"\r\n"
    b"MIME-Version: 1.0\r\n\r\n"
)


def _alternative(plain: bytes, html: bytes) -> bytes:
    return (OUTLOOK_HEAD + b"--_000_AM0PR07MB4131_\r\n"
            b'Content-Type: text/plain; charset="us-ascii"\r\n\r\n' + plain +
            b"\r\n--_000_AM0PR07MB4131_\r\n"
            b'Content-Type: text/html; charset="us-ascii"\r\n\r\n' + html +
            b"\r\n--_000_AM0PR07MB4131_--\r\n")


def test_plain_part_beats_html_whose_tables_are_layout() -> None:
    # a two-column layout (a banner cell beside the text), as pasted from a team template
    plain = (b"Customer Success\r\n\r\nIssue: Data export jobs failing nightly\r\n"
             b"Risk Level: Medium\r\nType: Churn Risk\r\n\r\nLena Fischer\r\nSenior CSM\r\n")
    html = (b"<html><body><table><tr><td>Customer Success</td><td>"
            b"<p>Issue: Data export jobs failing nightly</p><p>Risk Level: Medium</p>"
            b"<p>Type: Churn Risk</p></td></tr></table>"
            b"<table><tr><td>Lena Fischer</td><td>Senior CSM</td></tr></table>"
            b"</body></html>")
    r = parse(_alternative(plain, html), SETTINGS)
    assert isinstance(r, Intake), r
    assert (r.account, r.issue, r.risk_level, r.type) == (
        "Initech", "Data export jobs failing nightly", "Medium", "Churn Risk")


def test_html_label_table_beats_a_plain_part_that_flattened_it() -> None:
    # Outlook's plain part of a two-column table: every cell on its own line
    plain = (b"Issue\r\n\r\nData export jobs failing nightly\r\n\r\nRisk Level\r\n\r\n"
             b"Medium\r\n\r\nType\r\n\r\nChurn Risk\r\n")
    html = (b"<html><body><table border=1>"
            b"<tr><td><b>Issue</b></td><td>Data export jobs failing nightly</td></tr>"
            b"<tr><td><b>Risk Level</b></td><td>Medium</td></tr>"
            b"<tr><td><b>Type</b></td><td>Churn Risk</td></tr></table></body></html>")
    r = parse(_alternative(plain, html), SETTINGS)
    assert isinstance(r, Intake), r
    assert (r.issue, r.risk_level, r.type) == (
        "Data export jobs failing nightly", "Medium", "Churn Risk")


def _plain(extra: bytes, sender: bytes = b"Dana <dana@example.com>") -> bytes:
    return (b"From: " + sender + b"\r\nTo: escalations@example.com\r\n"
            b"Subject: Escalation: Acme Corp - Login failures\r\n"
            b"Message-ID: <auto-1@example.com>\r\n" + extra +
            b"Content-Type: text/plain\r\n\r\nIssue: SSO fails\r\n")


def test_every_precedence_header_is_read() -> None:
    r = parse(_plain(b"Precedence: first-class\r\nPrecedence: bulk\r\n"), SETTINGS)
    assert isinstance(r, Ignored) and r.reason == "bulk mail (Precedence: bulk)"


def test_null_return_path_is_automatic_mail() -> None:
    r = parse(_plain(b"Return-Path: <>\r\n", b"Build Robot <ci@example.com>"), SETTINGS)
    assert isinstance(r, Ignored) and r.reason == "automatic mail (Return-Path: <>)"
    assert not r.keep_in_failed
    kept = parse(_plain(b"Return-Path: <dana@example.com>\r\n"), SETTINGS)
    assert isinstance(kept, Intake)


def test_subject_without_separator_asks_for_the_customer() -> None:
    raw = (b"From: Dana <dana@example.com>\r\nTo: escalations@example.com\r\n"
           b"Subject: Escalation: SSO login failures\r\nMessage-ID: <c-1@example.com>\r\n"
           b"Content-Type: text/plain\r\n\r\nIssue: nobody at the customer can sign in\r\n")
    r = parse(raw, SETTINGS)
    assert isinstance(r, Rejection), r
    assert [p.field for p in r.problems] == ["Account"]
    assert "'Customer:'" in r.problems[0].message and "dash" in r.problems[0].message
    for label in (b"Customer: Initech\r\n", b"Account: Initech\r\n", b"CUSTOMER NAME: Initech\r\n"):
        r = parse(raw.replace(b"\r\n\r\n", b"\r\n\r\n" + label, 1), SETTINGS)
        assert isinstance(r, Intake), (label, r)
        assert (r.account, r.summary) == ("Initech", "SSO login failures")


def test_subject_naming_only_the_customer_takes_the_summary_from_the_issue() -> None:
    raw = (b"From: Dana <dana@example.com>\r\nTo: escalations@example.com\r\n"
           b"Subject: Escalation: Initech\r\nMessage-ID: <c-2@example.com>\r\n"
           b"Content-Type: text/plain\r\n\r\nCustomer: Initech\r\nIssue: SSO fails\r\n")
    r = parse(raw, SETTINGS)
    assert isinstance(r, Intake) and (r.account, r.summary) == ("Initech", "SSO fails")
