"""The acceptance check of issue 8, through the CLI on Dovecot, aiosmtpd, SQLite and
PostgreSQL: import an account directory twice, send escalation emails through IMAP, and
find the hand-computed open and urgent counts per account and the ARR exposure of the
Churn Risk type in `report --json`.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from tests.integration.test_flow import reply_to, sent_to
from tests.support.cli import Cli, ready_cli
from tests.support.dovecot import Account
from tests.support.parts import body_text
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

CSM = "carla.csm@example.com"
DIRECTORY = """name,arr,segment,renewal_date,csm,team,health,aliases
Globex Corporation,"$1,200,000",Enterprise,2026-12-15,carla@example.com,enterprise,72,Globex Corp
Initech,250000,Mid-Market,2027-01-20,carla.csm@example.com,,45,
Umbrella,50000,SMB,2027-06-01,,,80,
Hooli,lots,SMB,2027-01-01,,,,
Vandelay,90000,SMB,31/12/2026,,,,
"""


def escalation(account: str, summary: str, kind: str, risk: str = "High") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Carla CSM <{CSM}>"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = f"Escalation: {account} – {summary}"
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    msg.set_content(f"""Hi team,

  • Issue: {summary}
  • Risk Level: {risk}
  • Type: {kind}
  • Category: Product
  • Timeline: this quarter

Actions Taken:
  • Called the customer

Escalation Ask:
  • Executive outreach

Carla
""")
    return bytes(msg)


@pytest.fixture
def cli(tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> Cli:
    return ready_cli(tmp_path, database_url, dovecot.settings(), smtp_server.settings(),
                     extra='[teams.enterprise]\ndirector = "ent.director@example.com"\n')


def test_report_counts_match_hand_computed(cli: Cli, dovecot: Account, smtp_server: SmtpServer,
                                           tmp_path: Path) -> None:
    directory = tmp_path / "accounts.csv"
    directory.write_text(DIRECTORY)
    first = cli.run("accounts", "import", str(directory))
    assert first.stdout.strip().endswith("3 created, 0 updated, 0 unchanged, 2 bad rows")
    assert "line 5: arr: 'lots' is not a number" in first.stderr
    assert "line 6: renewal_date: '31/12/2026' is not a date" in first.stderr
    second = cli.run("accounts", "import", str(directory))  # the same file: nothing changes
    assert "0 created, 0 updated, 3 unchanged" in second.stdout

    mails = [
        ("Globex Corp", "Renewal at risk", "Churn Risk"),          # via the alias
        ("Globex Corporation", "SSO outage", "Help Needed"),
        ("GLOBEX corporation.", "Champion left", "churn risk"),    # case and punctuation
        ("Initech", "Pricing dispute", "Churn Risk"),              # closed below
        ("Initech", "Feature gap", "Churn Risk"),
        ("Initech", "Exec visibility", "Visibility"),
        ("Acme Rockets", "Onboarding stalled", "Churn Risk"),      # not in the directory
    ]
    for account, summary, kind in mails:
        dovecot.append("INBOX", escalation(account, summary, kind))
    assert f"{len(mails)} processed" in cli.run("poll", "--once").stdout

    # ESC-4 (Initech, Churn Risk) is done: no longer open, nor urgent
    [ack4] = [m for m in sent_to(smtp_server, CSM, "Received") if "[ESC-4]" in m["Subject"]]
    dovecot.append("INBOX", reply_to(ack4, CSM, "Status: done anyway"))  # its ask is open
    cli.run("poll", "--once")
    assert cli.json("show", "ESC-4")["status"] == "done"

    report = cli.json("report")
    by_name = {a["name"]: a for a in report["accounts"]}
    got = {name: (a["open"], a["urgent"]) for name, a in by_name.items()}
    assert got == {"Globex Corporation": (3, 2), "Initech": (2, 1), "Umbrella": (0, 0),
                   "Acme Rockets": (1, 1)}
    assert by_name["Globex Corporation"]["arr_exposure"] == 1_200_000
    assert by_name["Umbrella"]["arr_exposure"] == 0
    assert by_name["Acme Rockets"]["arr"] is None
    assert by_name["Globex Corporation"]["renewal_date"] == "2026-12-15"
    # Churn Risk: Globex once (two open of the type), Initech once, Acme's ARR unknown (0)
    assert report["arr_exposure_by_type"]["Churn Risk"] == 1_450_000
    assert report["arr_exposure_by_type"]["Help Needed"] == 1_200_000
    assert report["arr_exposure_by_type"]["Visibility"] == 250_000
    assert report["by_category"]["Product"]["arr_exposure"] == 1_450_000
    assert report["totals"] == {"open": 6, "urgent": 4, "accounts_exposed": 3,
                                "arr_exposure": 1_450_000}
    sla = report["sla"]
    assert set(sla) >= {"mtta_minutes", "mttr_hours", "breach_rate", "highest_rung"}
    assert sla["mttr_hours"]["2"]["count"] == 1
    assert sum(sla["highest_rung"].values()) == len(mails)

    # linked by alias and spelling: the record carries the directory's name and team
    shown = cli.json("show", "ESC-1")
    assert shown["account"] == "Globex Corporation"
    assert "ent.director@example.com" in shown["stakeholders"]
    # the unknown account was created, and its acknowledgement says so
    [ack7] = [m for m in sent_to(smtp_server, CSM, "Received") if "[ESC-7]" in m["Subject"]]
    assert "New account" in body_text(ack7)
    [ack1] = [m for m in sent_to(smtp_server, CSM, "Received") if "[ESC-1]" in m["Subject"]]
    assert "New account" not in body_text(ack1)


def test_report_html_is_one_self_contained_page(cli: Cli, dovecot: Account,
                                                tmp_path: Path) -> None:
    dovecot.append("INBOX", escalation("Initech <b>Ltd</b>", "Feature gap", "Churn Risk"))
    cli.run("poll", "--once")
    page = tmp_path / "report.html"
    cli.run("report", "--html", str(page))
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "<style>" in html
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "Initech &lt;b&gt;Ltd&lt;/b&gt;" in html


def test_unreadable_directory_is_one_line(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("account,arr\nGlobex,1\n")
    proc = cli.run("accounts", "import", str(bad), check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("escalator: no 'name' column in the header (columns: name, "
                                   "arr, segment, renewal_date, csm, team, health, aliases)")
    proc = cli.run("accounts", "import", str(tmp_path / "missing.csv"), check=False)
    assert proc.returncode == 1 and "file not found" in proc.stderr
