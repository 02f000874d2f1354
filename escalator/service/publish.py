"""Audit events out to webhooks, Slack and Teams: outbox rows in the event's transaction.

`install(db, settings)` hooks the one audit writer (events.add) when a channel is
configured; with none nothing is installed, so an event costs nothing more. Each event of
a type a [webhooks.NAME] subscribes to becomes one signed JSON row for it; opened, breach
and status (done) events of a team or category with a chat URL become one Slack or Teams
row. Every row names its queue (channel, address, escalation): delivery keeps that order.

Chat text comes from templates/chat/TYPE.txt (first line the title, the rest the text;
a team's copy in `[templates] dir`/chat wins). The JSON around it is built in Python,
not templated: every value then goes through json.dumps and a quote in an account name
cannot break the payload.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session

from channels import CHAT, webhook
from channels.chat import ChatMessage
from escalator.channels_config import CHAT_EVENTS
from escalator.db import Database
from escalator.render import when
from escalator.settings import Settings
from models import Escalation, Event, OutboxMessage

__all__ = ["event_type", "escalation_data", "install", "publish"]

CHAT_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "chat"
# audit event kind -> webhook event type; "status" is "done" when it closes the escalation
TYPES = {"opened": "opened", "ack": "acknowledged", "severity": "severity",
         "owner": "owner", "breach": "breach", "warning": "warning", "note": "note",
         "review": "review"}


def install(db: Database, settings: Settings) -> None:
    if settings.channels.configured:
        db.on_event(lambda session, esc, event: publish(session, settings, esc, event))


def event_type(esc: Escalation, event: Event) -> str | None:
    if event.kind == "status":
        return "done" if esc.status == "done" else "status"
    return TYPES.get(event.kind)


def publish(session: Session, settings: Settings, esc: Escalation, event: Event) -> int:
    """The rows `event` makes; how many."""
    kind = event_type(esc, event)
    if kind is None:
        return 0
    config = settings.channels
    subscribed = [s for s in config.webhooks.values() if kind in s.events]
    places = {f"team:{(esc.team or '').lower()}", f"category:{(esc.category or '').lower()}"}
    routes = [r for r in config.chat if kind in CHAT_EVENTS and r.address in places]
    if not subscribed and not routes:
        return 0
    written = 0
    if subscribed:
        data = {"escalation": escalation_data(settings, esc),
                "event": {"type": kind, "kind": event.kind, "at": event.at,
                          "actor": event.actor, "detail": event.detail}}
        body = webhook.payload(kind, event.at, data)
        for sub in subscribed:
            _row(session, "webhook", sub.name, kind, esc, event.at, body,
                 f"{esc.ref} {kind}", f"msg_{uuid.uuid4().hex}")
            written += 1
    if routes:
        msg = chat_message(settings, esc, event, kind)
        sent: set[tuple[str, str]] = set()  # a team's and a category's URL may be one
        for route in routes:
            if (route.channel, route.url) in sent:
                continue
            sent.add((route.channel, route.url))
            _row(session, route.channel, route.address, kind, esc, event.at,
                 CHAT[route.channel](msg), msg.title, f"{route.channel}.{uuid.uuid4().hex}")
            written += 1
    return written


def escalation_data(settings: Settings, esc: Escalation) -> dict[str, Any]:
    """The escalation as webhooks see it (docs/webhook-payload.schema.json)."""
    return {"id": esc.ref, "number": esc.id, "account": esc.account, "summary": esc.summary,
            "severity": esc.severity, "status": esc.status, "owner": esc.owner,
            "csm": esc.csm, "team": esc.team or None, "category": esc.category or None,
            "type": esc.type or None, "opened_at": esc.opened_at,
            "acknowledged_at": esc.acknowledged_at, "resolved_at": esc.resolved_at,
            "response_due_at": esc.response_due_at,
            "resolution_due_at": esc.resolution_due_at, "url": dashboard_url(settings, esc)}


def dashboard_url(settings: Settings, esc: Escalation) -> str | None:
    base = settings.web.public_url.rstrip("/")
    return f"{base}/escalations/{esc.ref}" if base else None


def chat_message(settings: Settings, esc: Escalation, event: Event, kind: str) -> ChatMessage:
    template = _environment(settings.templates.dir or "").get_template(f"{kind}.txt")
    title, _, text = template.render(esc=esc, event=event).strip().partition("\n")
    facts = (("Severity", str(esc.severity)), ("Status", esc.status), ("Owner", esc.owner),
             ("Account", esc.account))
    url = dashboard_url(settings, esc)
    return ChatMessage(title.strip(), text.strip(), facts,
                       ((f"Open {esc.ref}", url),) if url else ())


@lru_cache(maxsize=4)
def _environment(folder: str) -> Environment:
    search = [str(Path(folder) / "chat"), str(CHAT_TEMPLATES)] if folder else [str(CHAT_TEMPLATES)]
    env = Environment(loader=FileSystemLoader(search), undefined=StrictUndefined,
                      autoescape=False, keep_trailing_newline=False)
    env.filters["when"] = when
    return env


def _row(session: Session, channel: str, address: str, kind: str, esc: Escalation,
         now: datetime, body: str, summary: str, message_id: str) -> None:
    session.add(OutboxMessage(
        escalation_id=esc.id, kind=kind, channel=channel, to_addrs=[address], cc_addrs=[],
        subject=summary[:500], text_body="", html_body="", payload=body,
        queue=f"{channel}:{address}:{esc.id}", message_id=message_id, in_reply_to=None,
        references=[], status="pending", attempts=0, next_attempt_at=now, created_at=now,
        refused={}))
