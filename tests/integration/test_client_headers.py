"""Through the CLI against Dovecot: Exchange's "Last, First" From in an RFC 2047 word is
the colleague who wrote (recorded, acknowledged, Cc'd colleagues kept), and an Outlook
"attach item" is listed as an attachment with its subject, from and date, none of its
text applied."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Cli, ready_cli
from tests.support.dovecot import Account
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

EMAILS = Path(__file__).resolve().parent.parent / "emails"


def test_last_first_from_is_recorded_and_an_attached_email_is_listed(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer) -> None:
    dovecot.append("INBOX", (EMAILS / "exchange_last_first_from.eml").read_bytes())
    dovecot.append("INBOX", (EMAILS / "outlook_attach_item.eml").read_bytes())
    assert "2 processed" in cli.run("poll", "--once").stdout

    first = cli.json("show", "ESC-1")
    assert (first["account"], first["csm"]) == ("Initech", "bernd.muller@example.com")
    assert {"lea.francois@example.com", "marco.ruiz@example.com"} <= set(first["stakeholders"])
    assert first["attachments"] == []
    acks = [m for m in smtp_server.messages if ".ack." in m.message()["Message-ID"]]
    assert [list(m.rcpt_tos) for m in acks] == [["bernd.muller@example.com"]] * 2

    second = cli.json("show", "ESC-2")
    # the attached customer email's "Severity: 4", "Risk Level: Low", "Owner: pat@…" unread
    assert (second["severity"], second["risk_level"]) == (2, "High")
    assert "pat.okafor@customer.example" not in (second["owner"], *second["stakeholders"])
    assert second["attachments"] == [{
        "filename": "", "content_type": "message/rfc822", "size": 690,
        "subject": "Invoices are wrong again", "from": "pat.okafor@customer.example",
        "from_name": "Pat Okafor", "date": "2025-03-04T17:02:11Z",
    }]
    assert [e["kind"] for e in second["events"]][0] == "opened"


def test_a_colleague_with_a_utf8_address_is_recorded_and_answered(
        tmp_path: Path, database_url: str, dovecot: Account) -> None:
    raw = ("From: Jörg Groß <jörg.groß@example.com>\r\n"
           "To: Escalations <escalations@example.com>\r\n"
           "Subject: Escalation: Initech – SSO fails for every clinician\r\n"
           "Date: Wed, 5 Mar 2025 08:41:16 +0100\r\n"
           "Message-ID: <5F1A2B3C-utf8@example.com>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n"
           "Issue: SSO fails for every clinician\r\nRisk Level: High\r\n").encode()
    dovecot.append("INBOX", raw)
    with SmtpServer(smtputf8=True) as smtp_server:  # RFC 6531: the relay takes UTF-8 mail
        cli = ready_cli(tmp_path, database_url, dovecot.settings(), smtp_server.settings())
        assert "1 processed" in cli.run("poll", "--once").stdout
        assert cli.json("show", "ESC-1")["csm"] == "jörg.groß@example.com"
        acks = [m for m in smtp_server.messages if ".ack." in m.message()["Message-ID"]]
        assert [list(m.rcpt_tos) for m in acks] == [["jörg.groß@example.com"]]
