"""Playbooks and revenue rules through the CLI, on SQLite and PostgreSQL, with Dovecot in and
aiosmtpd out: a High-risk escalation on a $2M account renewing in 20 days is raised one
severity with the reason in the acknowledgement and gets the High tier's tasks and its
asks; `Done: 1` by reply closes a task; an overdue task is reminded once, then climbs once,
however often tick runs; `Status: done` is refused while an ask is open."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.test_flow import CSM, reply_to, seed_004, sent_to
from tests.support.cli import Cli, ready_cli
from tests.support.dovecot import Account
from tests.support.parts import body_text
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

RULES = """
[[revenue.rules]]
name = "Large or renewing soon"
arr_at_least = 1000000
renewal_within = "30d"
"""


@pytest.fixture
def cli(tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> Cli:
    return ready_cli(tmp_path, database_url, dovecot.settings(), smtp_server.settings(), RULES)


def _at(iso: str, hours: float) -> str:
    return (datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(hours=hours)
            ).isoformat()


def test_high_risk_on_a_two_million_account_renewing_in_20_days(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer, tmp_path: Path) -> None:
    renewal = date.today() + timedelta(days=20)  # `poll` opens it now: 20 days to renewal
    directory = tmp_path / "accounts.csv"
    directory.write_text(f"name,arr,segment,renewal_date,csm\n"
                         f"Initech,2000000,Enterprise,{renewal},{CSM}\n")
    cli.run("accounts", "import", str(directory))
    dovecot.append("INBOX", seed_004())
    cli.run("poll", "--once")

    esc = cli.json("show", "ESC-1")
    assert (esc["risk_level"], esc["severity"], esc["rung"]) == ("High", 1, "vp")
    [why] = esc["raised"]
    assert why.startswith("severity 2 → 1 by the rule 'Large or renewing soon': ARR "
                          "$2,000,000 ≥ $1,000,000; renewal on ")
    assert esc["playbook"] == "high"
    assert [t["title"] for t in esc["tasks"]] == [
        "De-escalate with the customer", "Call your manager", "Brief the executive team",
        "Agree the plan of action", "Recap the plan to the customer",
        "Follow up until the customer is satisfied"]
    assert [(a["label"], a["title"], a["state"]) for a in esc["asks"]] == [
        ("A1", "Executive outreach", "open"), ("A2", "Pricing flexibility", "open")]
    assert any(e["kind"] == "raised" for e in esc["events"])
    [ack] = sent_to(smtp_server, CSM, "Received")
    text = body_text(ack)
    assert "by the rule 'Large or renewing soon': ARR $2,000,000 ≥ $1,000,000" in text
    assert "2. [open] Call your manager" in text and "A1. [open] Executive outreach" in text

    # Done: 1 by reply
    dovecot.append("INBOX", reply_to(ack, f"Carla CSM <{CSM}>", "Done: 1"))
    cli.run("poll", "--once")
    tasks = cli.json("show", "ESC-1")["tasks"]
    assert (tasks[0]["state"], tasks[0]["closed_by"]) == ("done", CSM)
    assert [t["state"] for t in tasks[1:]] == ["open"] * 5

    # task 2 (due 2 h after the opening) is reminded once, however often tick runs
    opened = esc["opened_at"]
    for hours in (1.9, 2, 2.1, 3):
        cli.run("tick", "--at", _at(opened, hours))
    assert len(sent_to(smtp_server, CSM, "Task 2 overdue: Call your manager")) == 1
    assert sent_to(smtp_server, CSM, "Task 1 overdue") == []  # done: never reminded
    assert sent_to(smtp_server, "maya.manager@example.com", "Call your manager") == []
    # 4 h after its due time it climbs to the rung above the CSM, once
    for hours in (6, 6.5, 8):
        cli.run("tick", "--at", _at(opened, hours))
    climbs = sent_to(smtp_server, "maya.manager@example.com",
                     "Overdue task climbed to manager: Call your manager")
    assert len(climbs) == 1 and "[ESC-1]" in climbs[0]["Subject"]
    assert len(sent_to(smtp_server, CSM, "Task 2 overdue: Call your manager")) == 1
    shown = cli.json("show", "ESC-1")
    assert [e["detail"] for e in shown["events"] if e["kind"] == "task"
            and "task 2" in e["detail"]] == [
        f"task 2 overdue (due {_at(opened, 2)[:16].replace('T', ' ')} UTC): Call your "
        f"manager; reminded {CSM}",
        "task 2 still open 4 h after its due time: manager told (maya.manager@example.com)"]

    # Status: done while asks are open: refused, naming them
    dovecot.append("INBOX", reply_to(ack, f"Carla CSM <{CSM}>", "Status: done"))
    cli.run("poll", "--once")
    assert cli.json("show", "ESC-1")["status"] == "open"
    answer = [m for m in sent_to(smtp_server, CSM)
              if "Status: done — not applied" in body_text(m)]
    assert len(answer) == 1
    body = " ".join(body_text(answer[0]).split())
    assert "2 asks still open: A1 Executive outreach (not taken); A2 Pricing flexibility" in body
    dovecot.append("INBOX", reply_to(ack, f"Carla CSM <{CSM}>", "Status: done anyway"))
    cli.run("poll", "--once")
    assert cli.json("show", "ESC-1")["status"] == "done"
