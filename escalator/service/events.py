"""The audit trail's one writer, and what it wrote in the current transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from escalator.service.txcache import transaction_dict
from models import Escalation, Event

ADDED = "events.added"  # {escalation id: [Event]} for the transaction
HOOK = "events.hook"  # session.info: called with every event (Database.on_event)


def add(session: Session, esc: Escalation, at: datetime, kind: str, actor: str,
        detail: str = "") -> Event:
    event = Event(escalation_id=esc.id, at=at, kind=kind, actor=actor, detail=detail[:4000])
    session.add(event)
    _added_by_escalation(session).setdefault(esc.id, []).append(event)
    hook = session.info.get(HOOK)
    if hook is not None:  # webhooks, Slack, Teams (service/publish.py): same transaction
        hook(session, esc, event)
    return event


def added(session: Session, esc: Escalation) -> list[Event]:
    """The events `add` wrote to `esc` in this transaction, oldest first, flushed or not.

    The outbox reads the trail without autoflush (a flush per email was most of its cost)
    and takes the events not yet flushed from here.
    """
    return list(_added_by_escalation(session).get(esc.id, ()))


def _added_by_escalation(session: Session) -> dict[int, list[Event]]:
    return transaction_dict(session, ADDED)
