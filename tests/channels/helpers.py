"""Shared by the channel tests: settings with webhooks, escalations, commands, the trail."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from escalator import config
from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.service.publish import event_type, install
from escalator.service.replies import apply_commands
from escalator.settings import Settings
from models import Escalation, Event, OutboxMessage
from parser.result import Command
from tests.support.samples import raw_email
from tests.support.smtp_server import SmtpServer

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs"
                     / "webhook-payload.schema.json").read_text())
MANAGER = "maya.manager@example.com"


def settings_for(db: Database, smtp: SmtpServer, extra: dict[str, Any]) -> Settings:
    """Loaded as a config file is (config.from_dict), and hooked into `db` as the CLI does."""
    s = smtp.settings()
    data: dict[str, Any] = {
        "database": {"url": db.url},
        "smtp": {"host": s.host, "port": s.port, "from_address": "escalations@example.com"},
        "organization": {"internal_domains": ["example.com"], "admins": ["admin@example.com"]},
        "ladder": {"manager": MANAGER, "director": "dan.director@example.com",
                   "vp": "vera.vp@example.com", "executive": "erin.ceo@example.com"},
        **extra,
    }
    settings = config.from_dict(data, "config.toml")
    install(db, settings)
    return settings


def open_escalation(db: Database, settings: Settings, n: int, body: str = "",
                    when: datetime = T0) -> None:
    handle_message(db, settings, raw_email(n, body=body or f"Issue: number {n}\nSeverity: 3\n"),
                   when)


def command(db: Database, settings: Settings, esc_id: int, name: str, value: str,
            when: datetime, actor: str = MANAGER) -> None:
    with db.transaction() as session:
        esc = session.get(Escalation, esc_id)
        assert esc is not None
        apply_commands(session, settings, esc, [Command(name, value, f"{name}: {value}")],
                       actor, when)


def trail_types(db: Database) -> dict[str, list[str]]:
    """ESC-N -> the webhook event types of its trail, in the order they happened."""
    found: dict[str, list[str]] = {}
    with db.transaction() as session:
        for esc in session.scalars(select(Escalation).order_by(Escalation.id)):
            events = session.scalars(select(Event).where(Event.escalation_id == esc.id)
                                     .order_by(Event.id))
            types = []
            for e in events:
                # the status an event set is in its detail ("status set to done")
                kind = "done" if e.kind == "status" and e.detail.endswith("done") else (
                    event_type(esc, e) if e.kind != "status" else "status")
                if kind is not None:
                    types.append(kind)
            found[esc.ref] = types
    return found


def rows(db: Database, channel: str | None = None) -> list[OutboxMessage]:
    with db.transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if channel is not None:
            query = query.where(OutboxMessage.channel == channel)
        return list(session.scalars(query))
