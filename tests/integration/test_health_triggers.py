"""Health-score triggers through the CLI on Dovecot, aiosmtpd, SQLite and PostgreSQL:
`accounts import` brings an account's health below [accounts] health_threshold; its CSM
gets one "consider an escalation" email (not again while it stays low; not for an account
with an open escalation); the CSM replies to it with the prefilled lines edited, and the
reply, polled from the mailbox, opens the escalation.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.integration.test_accounts_reports import escalation
from tests.integration.test_flow import reply_to, sent_to
from tests.support.cli import Cli, ready_cli
from tests.support.dovecot import Account
from tests.support.parts import body_text
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

CSM = "carla.csm@example.com"
HEADER = "name,arr,segment,renewal_date,csm,team,health\n"


def directory(path: Path, globex: str, initech: str, umbrella: str) -> str:
    path.write_text(HEADER
                    + f"Globex Corporation,1200000,Enterprise,2027-01-15,{CSM},,{globex}\n"
                    + f"Initech,250000,Mid-Market,2027-03-01,{CSM},,{initech}\n"
                    + f"Umbrella,50000,SMB,2027-06-01,,,{umbrella}\n")
    return str(path)


@pytest.fixture
def cli(tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> Cli:
    return ready_cli(tmp_path, database_url, dovecot.settings(), smtp_server.settings(),
                     extra="[accounts]\nhealth_threshold = 50\nhealth_drop = 40\n")


def asked(smtp: SmtpServer) -> list[EmailMessage]:
    return sent_to(smtp, CSM, "Consider an escalation")


def test_health_drop_asks_the_csm_once_and_the_reply_opens_an_escalation(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer, tmp_path: Path) -> None:
    csv = tmp_path / "accounts.csv"
    first = cli.run("accounts", "import", directory(csv, "72", "80", "90"))
    assert "health alert" not in first.stdout  # the first reading is the baseline
    dovecot.append("INBOX", escalation("Initech", "Pricing dispute", "Churn Risk"))
    cli.run("poll", "--once")

    second = cli.run("accounts", "import", directory(csv, "42", "30", "40"))
    assert "3 health alerts" in second.stdout
    assert (f"Globex Corporation: health 72 → 42 (fell below 50): {CSM} asked to consider "
            "an escalation") in second.stdout
    assert "Initech: health 80 → 30 (fell below 50 and dropped 50 points): has an open " \
           "escalation, CSM not asked" in second.stdout
    assert "Umbrella: health 90 → 40 (fell below 50 and dropped 50 points): no CSM " \
           "address in the directory, nobody asked" in second.stdout
    cli.run("tick")
    [mail] = asked(smtp_server)
    assert mail["Subject"] == ("Consider an escalation: Globex Corporation – Health score "
                               "fell from 72 to 42")
    text = body_text(mail)
    assert "Risk Level: Medium" in text and "fell below 50: 72 → 42" in text
    html = body_text(mail, "html")
    assert 'href="mailto:escalations@example.com?subject=Escalation%3A%20Globex' in html

    # still low, lower even (not by 30 more): nobody is asked again
    third = cli.run("accounts", "import", directory(csv, "35", "25", "38"))
    assert "health alert" not in third.stdout
    cli.run("tick")
    assert len(asked(smtp_server)) == 1

    # the CSM answers with the lines at the top, edited, above the quoted email
    dovecot.append("INBOX", reply_to(mail, f"Carla CSM <{CSM}>",
                                     "Risk Level: High\nType: Churn Risk\n"
                                     "Issue: usage down 60% since their reorg"))
    assert "1 processed" in cli.run("poll", "--once").stdout
    opened = [e for e in cli.json("list") if e["account"] == "Globex Corporation"]
    assert len(opened) == 1
    [esc] = opened
    assert (esc["severity"], esc["risk_level"], esc["type"]) == (2, "High", "Churn Risk")
    assert esc["summary"] == "Health score fell from 72 to 42"
    assert esc["csm"] == CSM
    assert len(sent_to(smtp_server, CSM, "Received")) == 2  # Initech's, then this one
