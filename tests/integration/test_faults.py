"""One fault stops only itself: a template that fails for one escalation, a job whose table
is gone. Through the CLI against aiosmtpd, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import text

from escalator import config
from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.service.review import request
from models import Escalation
from tests.support.cli import Cli
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PACKAGED = Path(__file__).resolve().parents[2] / "templates" / "email"


def escalation_email(n: int, links: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"csm{n}@example.com"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = f"Escalation: Account {n} – Exports failing"
    msg["Message-ID"] = f"<fault-{n}@mail.example.com>"
    body = f"Issue: exports fail for account {n}\nSeverity: 2\n"
    if links:
        body += f"Relevant Links: {links}\n"
    msg.set_content(body)
    return bytes(msg)


def open_three(cli: Cli) -> None:
    """ESC-1 and ESC-3 carry a link, ESC-2 none."""
    settings = config.load(cli.config, env={})
    db = Database(settings.database.url)
    for n, links in ((1, "https://calls.example.com/r/1"), (2, ""),
                     (3, "https://calls.example.com/r/3")):
        handle_message(db, settings, escalation_email(n, links), T0)
    db.dispose()


def team_template_using_the_first_link(cli: Cli, tmp_path: Path) -> Path:
    """The packaged breach.txt plus a line that fails on an escalation without links:
    it passes the start-up check (whose sample has a link)."""
    folder = tmp_path / "team-templates"
    folder.mkdir()
    breach = (PACKAGED / "breach.txt").read_text()
    (folder / "breach.txt").write_text("Recording: {{ esc.links[0] }}\n" + breach)
    cli.config.write_text(cli.config.read_text() + f'\n[templates]\ndir = "{folder}"\n')
    return folder


def breaches(smtp: SmtpServer) -> list[str]:
    return [str(m.message()["Subject"]).split("]")[0].strip("[") for m in smtp.messages
            if "SLA breach" in str(m.message()["Subject"])]


def test_a_template_failing_for_one_escalation_stops_only_that_one(
        cli: Cli, tmp_path: Path, smtp_server: SmtpServer) -> None:
    open_three(cli)
    folder = team_template_using_the_first_link(cli, tmp_path)
    at = T0 + timedelta(hours=4, minutes=5)  # severity 2: response 4 h, director -> vp

    proc = cli.run("tick", "--at", at.isoformat())
    assert "failed and put off: ESC-2" in proc.stdout
    assert sorted(breaches(smtp_server)) == ["ESC-1", "ESC-3"]  # the rest climbed, mail went

    failed = cli.json("show", "ESC-2")
    assert failed["rung"] == "director"  # its own changes were rolled back
    [fault] = [e for e in failed["events"] if e["kind"] == "fault"]
    assert fault["actor"] == "escalator"
    detail = fault["detail"]
    assert "\n" not in detail and "breach.txt line 1" in detail
    assert "has no element 0" in detail and "tried again at 2026-11-26 13:06 UTC" in detail
    for repr_mark in ("b'", "None", "['", "Traceback"):
        assert repr_mark not in detail
    put_off = datetime.fromisoformat(failed["next_escalation_at"])
    assert put_off == at + timedelta(minutes=1)
    assert [e["rung"] for e in cli.json("list")] == ["vp", "director", "vp"]

    # before the backoff is over it is not tried again: no second fault, no busy loop
    cli.run("tick", "--at", (at + timedelta(seconds=30)).isoformat())
    assert [e["kind"] for e in cli.json("show", "ESC-2")["events"]].count("fault") == 1

    # a second fault doubles the wait
    cli.run("tick", "--at", (at + timedelta(minutes=1)).isoformat())
    again = cli.json("show", "ESC-2")
    assert [e["kind"] for e in again["events"]].count("fault") == 2
    assert datetime.fromisoformat(again["next_escalation_at"]) == at + timedelta(minutes=3)

    # the team fixes its template: ESC-2 climbs at its next try, its missed rung included
    (folder / "breach.txt").write_text("Recording: {{ esc.links[0] if esc.links else '-' }}\n"
                                       + (PACKAGED / "breach.txt").read_text())
    proc = cli.run("tick", "--at", (at + timedelta(minutes=3)).isoformat())
    assert "failed" not in proc.stdout.split("deferred")[1].replace("0 failed", "")
    assert sorted(breaches(smtp_server)) == ["ESC-1", "ESC-2", "ESC-3"]
    assert cli.json("show", "ESC-2")["rung"] == "vp"
    # the fault is the admins' business (their alert): no stakeholder's email lists it
    recaps = [m.message() for m in smtp_server.messages
              if str(m.message()["Subject"]).startswith("[ESC-2]")]
    assert recaps and not any("SLA sweep failed" in str(m) for m in recaps)


def test_a_job_that_fails_stops_neither_the_others_nor_delivery(
        cli: Cli, smtp_server: SmtpServer) -> None:
    """The review table is gone (a broken schema): the reviews job fails with one line,
    the sweep still climbs and delivery still sends."""
    open_three(cli)
    settings = config.load(cli.config, env={})
    db = Database(settings.database.url)
    with db.transaction() as session:
        esc = session.get(Escalation, 1)
        assert esc is not None
        request(session, settings, esc, T0, ["status: done"])  # a review due for reminders
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE review"))
    db.dispose()
    smtp_server.messages.clear()

    proc = cli.run("tick", "--at", (T0 + timedelta(days=5)).isoformat(), check=False)
    assert proc.returncode == 1
    *logged, line = proc.stderr.strip().splitlines()
    assert line.startswith("escalator: tick: job failed: reviews: database: "), proc.stderr
    assert "review" in line and len(logged) <= 1
    assert sorted(set(breaches(smtp_server))) == ["ESC-1", "ESC-2", "ESC-3"]


def _team_template(cli: Cli, tmp_path: Path, name: str, first_line: str) -> None:
    folder = tmp_path / "team-templates"
    folder.mkdir()
    (folder / name).write_text(first_line + "\n" + (PACKAGED / name).read_text())
    cli.config.write_text(cli.config.read_text() + f'\n[templates]\ndir = "{folder}"\n')


def test_a_digest_failing_for_one_person_does_not_stop_the_others(
        cli: Cli, tmp_path: Path, smtp_server: SmtpServer) -> None:
    """csm2's only escalation has no link: their digest fails, everyone else's goes out,
    and theirs is tried again at the next tick."""
    open_three(cli)
    _team_template(cli, tmp_path, "digest.txt", "First link: {{ open[0].links[0] }}")
    cli.config.write_text(cli.config.read_text() + '\n[digest]\nat = "09:30"\n')
    smtp_server.messages.clear()

    proc = cli.run("tick", "--at", (T0 + timedelta(hours=1)).isoformat())
    assert "digest failed for csm2@example.com" in proc.stdout
    got = [r for m in smtp_server.messages if "digest" in str(m.message()["Message-ID"])
           for r in m.rcpt_tos]
    assert "csm1@example.com" in got and "csm3@example.com" in got
    assert "csm2@example.com" not in got and len(got) == len(set(got))

    proc = cli.run("tick", "--at", (T0 + timedelta(hours=1, minutes=1)).isoformat())
    assert "digest failed for csm2@example.com" in proc.stdout  # tried again, alone
    again = [r for m in smtp_server.messages if "digest" in str(m.message()["Message-ID"])
             for r in m.rcpt_tos]
    assert again == got


def test_a_review_reminder_failing_for_one_escalation_is_put_off(
        cli: Cli, tmp_path: Path, smtp_server: SmtpServer) -> None:
    open_three(cli)
    _team_template(cli, tmp_path, "review_reminder.txt", "Recording: {{ esc.links[0] }}")
    settings = config.load(cli.config, env={})
    db = Database(settings.database.url)
    with db.transaction() as session:
        for n in (1, 2):
            esc = session.get(Escalation, n)
            assert esc is not None
            request(session, settings, esc, T0, ["status: done"])
    db.dispose()
    smtp_server.messages.clear()

    proc = cli.run("tick", "--at", (T0 + timedelta(days=3)).isoformat())
    assert "failed and put off: ESC-2" in proc.stdout
    reminders = [str(m.message()["Subject"]) for m in smtp_server.messages
                 if ".review_reminder." in str(m.message()["Message-ID"])]
    assert len(reminders) == 1 and "[ESC-1]" in reminders[0]
    [fault] = [e for e in cli.json("show", "ESC-2")["events"] if e["kind"] == "fault"]
    assert fault["detail"].startswith("review reminder failed: template review_reminder.txt")
    assert "\n" not in fault["detail"]
