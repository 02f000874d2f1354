"""The audit trail's one writer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models import Escalation, Event


def add(session: Session, esc: Escalation, at: datetime, kind: str, actor: str,
        detail: str = "") -> Event:
    event = Event(escalation_id=esc.id, at=at, kind=kind, actor=actor, detail=detail[:4000])
    session.add(event)
    return event
