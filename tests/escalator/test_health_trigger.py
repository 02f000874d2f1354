"""Health-score triggers: the rule (pure), the line prefilled for the CSM (parsed back as
an intake, the way a mail client composes it), and once per crossing with two imports at
once (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from escalator.db import Database
from escalator.service.accounts import import_accounts
from escalator.service.health_trigger import crossing, prefilled
from escalator.service.intake import parse_settings
from escalator.settings import AccountSettings, Settings, SmtpSettings
from models import Account, OutboxMessage
from parser import Intake, parse

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
RULES = AccountSettings(health_threshold=50, health_drop=20)
SETTINGS = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                    accounts=RULES)
CSM = "carla.csm@example.com"


def asks(readings: list[str], rules: AccountSettings = RULES) -> list[str]:
    """The reasons given over a sequence of imports, one per reading after the first."""
    found = [crossing(a, b, rules) for a, b in zip(readings, readings[1:], strict=False)]
    return [c.reason for c in found if c is not None]


def test_once_per_crossing_not_while_it_stays_low() -> None:
    below = AccountSettings(health_threshold=50)
    assert asks(["72", "49", "45", "40", "41", "30"], below) == ["fell below 50"]
    # back up, then down again: a new crossing
    assert asks(["72", "49", "55", "48"], below) == ["fell below 50", "fell below 50"]
    assert asks(["50", "49.5"], below) == ["fell below 50"]  # at the threshold is above
    assert asks(["60", "50"], below) == []


def test_a_drop_of_n_points_asks_even_above_the_threshold() -> None:
    assert asks(["95", "75"]) == ["dropped 20 points"]
    assert asks(["95", "80", "70"]) == []  # 15, then 10: no single drop of 20
    assert asks(["80", "45"]) == ["fell below 50 and dropped 35 points"]
    assert asks(["40", "15"]) == ["dropped 25 points"]  # low already, then a fall of 25


def test_no_reading_or_no_number_asks_nothing() -> None:
    assert asks(["", "10"]) == []  # the first reading is the baseline
    assert asks(["Green", "Red"]) == []
    assert asks(["72", ""]) == [] and asks(["72", "n/a"]) == []
    assert asks(["72%", "41%"]) == ["fell below 50 and dropped 31 points"]
    assert asks(["72", "10"], AccountSettings()) == []  # no rule configured


def csm_email(subject: str, body: str, **headers: str) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"Carla CSM <{CSM}>"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = "<CAF7x2=abc@mail.gmail.com>"
    msg["Date"] = "Thu, 26 Nov 2026 10:02:11 +0000"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def account() -> Account:
    return Account(name="Globex Corporation", arr=1_200_000, segment="Enterprise",
                   csm=CSM, health="42")


def test_the_mailto_link_composes_an_intake() -> None:
    found = crossing("72", "42", RULES)
    assert found is not None
    link = urlsplit(prefilled(account(), found, "escalations@example.com")["mailto"])
    assert link.scheme == "mailto" and link.path == "escalations@example.com"
    query = parse_qs(link.query)
    [subject], [body] = query["subject"], query["body"]
    result = parse(csm_email(subject, body), parse_settings(SETTINGS))
    assert isinstance(result, Intake), result
    assert (result.account, result.summary) == ("Globex Corporation",
                                                 "Health score fell from 72 to 42")
    assert (result.risk_level, result.type) == ("Medium", "Churn Risk")
    assert result.issue.startswith("Health score fell from 72 to 42 (fell below 50")


def test_a_bare_reply_to_the_email_is_an_intake_of_the_prefilled_lines(any_db: Database) -> None:
    with any_db.transaction() as s:
        import_accounts(s, f"name,csm,health\nGlobex Corporation,{CSM},72\n", T0,
                        settings=SETTINGS)
        import_accounts(s, f"name,csm,health\nGlobex Corporation,{CSM},42\n", T0,
                        settings=SETTINGS)
    with any_db.transaction() as s:
        [row] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "health"))
        subject, text, message_id = row.subject, row.text_body, row.message_id
    quoted = "\n".join("> " + line for line in text.splitlines())
    reply = csm_email("Re: " + subject, f"Yes, please.\n\nOn Thu, 26 Nov 2026 at 09:00, "
                      f"Escalator <escalations@example.com> wrote:\n{quoted}\n",
                      In_Reply_To=f"<{message_id}>", References=f"<{message_id}>")
    result = parse(reply, parse_settings(SETTINGS))
    assert isinstance(result, Intake), result
    assert (result.account, result.summary, result.risk_level) == (
        "Globex Corporation", "Health score fell from 72 to 42", "Medium")


@pytest.mark.parametrize("instances", [2, 4])
def test_imports_at_once_ask_once(any_db: Database, instances: int) -> None:
    with any_db.transaction() as s:
        import_accounts(s, f"name,csm,health\nGlobex,{CSM},72\nInitech,{CSM},90\n", T0,
                        settings=SETTINGS)
    start = threading.Barrier(instances)
    said: list[list[str]] = []

    def instance() -> None:
        start.wait()
        with any_db.transaction() as s:
            stats = import_accounts(s, f"name,csm,health\nGlobex,{CSM},40\nInitech,{CSM},91\n",
                                    T0, settings=SETTINGS)
            said.append(stats.health)

    threads = [threading.Thread(target=instance) for _ in range(instances)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(map(len, said)) == [0] * (instances - 1) + [1]
    with any_db.transaction() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "health")))
        assert [r.to_addrs for r in rows] == [[CSM]]
        assert s.scalar(select(Account.health).where(Account.name == "Globex")) == "40"
