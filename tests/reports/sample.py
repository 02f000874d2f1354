"""A small, known world for report and dashboard tests: a directory and escalation emails
handled by the real service (parser, intake, replies), on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select

from escalator.db import Database, init_db
from escalator.service.accounts import import_accounts
from escalator.service.intake import handle_message
from escalator.settings import DatabaseSettings, Settings
from models import OutboxMessage

CSM = "carla.csm@example.com"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
DIRECTORY = """name,arr,segment,renewal_date,csm,team,health,aliases
Globex Corporation,1200000,Enterprise,2026-11-20,carla.csm@example.com,enterprise,72,Globex Corp
Initech,250000,Mid-Market,2027-01-20,carla.csm@example.com,,45,
Umbrella,50000,SMB,2026-12-20,,,80,
"""
# (account as typed, summary, type, category, severity)
MAILS = [
    ("Globex Corp", "Renewal at risk", "Churn Risk", "Product", 1),
    ("Globex Corporation", "SSO outage", "Help Needed", "Product", 2),
    ("Initech", "Pricing dispute", "Churn Risk", "Billing", 2),
    ("Initech", "Feature gap", "Churn Risk", "Product", 3),
    ("Umbrella", "Invoice wrong", "Help Needed", "Billing", 4),
    ("Acme <Rockets>", "Onboarding stalled", "Visibility", "Services", 3),
]


def settings(url: str) -> Settings:
    return Settings(database=DatabaseSettings(url=url),
                    ladder={"manager": ("maya.manager@example.com",),
                            "director": ("dan.director@example.com",),
                            "vp": ("vera.vp@example.com",),
                            "executive": ("erin.ceo@example.com",)})


def intake_mail(account: str, summary: str, kind: str, category: str, severity: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Carla <{CSM}>"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = f"Escalation: {account} – {summary}"
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    msg.set_content(f"Issue: {summary}\nSeverity: {severity}\nType: {kind}\n"
                    f"Category: {category}\nTimeline: this month\n")
    return bytes(msg)


def reply_mail(db: Database, number: int, sender: str, body: str) -> bytes:
    with db.transaction() as session:
        ack = session.scalar(select(OutboxMessage.message_id).where(
            OutboxMessage.escalation_id == number).order_by(OutboxMessage.id).limit(1))
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "escalations@example.com"
    msg["Subject"] = f"Re: [ESC-{number}] Received"
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    msg["In-Reply-To"] = f"<{ack}>"
    msg["References"] = f"<{ack}>"
    msg.set_content(body + "\n")
    return bytes(msg)


def populate(url: str) -> tuple[Database, Settings]:
    """ESC-1..6 opened an hour apart from T0; ESC-2 acknowledged after 30 min and done
    after 10 h; ESC-5 done after 2 days; ESC-1 (sev 1) climbs past its response target."""
    init_db(url)
    s = settings(url)
    db = Database(url)
    with db.transaction() as session:
        import_accounts(session, DIRECTORY, T0, settings=None)
    for i, mail in enumerate(MAILS):
        handle_message(db, s, intake_mail(*mail), T0 + timedelta(hours=i))
    handle_message(db, s, reply_mail(db, 2, CSM, "ack"), T0 + timedelta(hours=1, minutes=30))
    handle_message(db, s, reply_mail(db, 2, CSM, "Status: done"), T0 + timedelta(hours=11))
    handle_message(db, s, reply_mail(db, 5, CSM, "Status: done"), T0 + timedelta(days=2,
                                                                                 hours=4))
    from escalator.service.sweep import sweep

    sweep(db, s, T0 + timedelta(hours=3))  # ESC-1: response due T0 + 1h -> breach
    return db, s
