"""The loop breaker: answers to a person's unusable mail (rejections, "not understood"
confirmations, "could not be recorded") are limited per address and hour, so two robots
can't mail each other forever. Acknowledgements of valid escalations are never limited."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalator.service.outbox import enqueue
from escalator.service.recipients import mailbox
from escalator.settings import Settings
from models import Escalation, OutboxMessage

log = logging.getLogger(__name__)
LIMITED = ("rejection", "confirmation", "error")


def answer(session: Session, settings: Settings, *, kind: str, to: str, now: datetime,
           context: dict[str, Any], esc: Escalation | None = None,
           in_reply_to: str | None = None) -> bool:
    """Enqueue one limited answer to `to`; False when the hour's allowance is used up."""
    assert kind in LIMITED
    if not to or to in mailbox(settings):
        return False
    sent = _recent(session, to, now - timedelta(hours=1))
    if sent >= settings.max_rejections_per_sender_per_hour:
        log.warning("not answering %s: %d answers in the last hour", to, sent)
        return False
    enqueue(session, settings, kind=kind, now=now, to=[to], esc=esc,
            in_reply_to=in_reply_to, context=context)
    return True


def _recent(session: Session, address: str, since: datetime) -> int:
    # JSON containment differs per database; an hour of answers is few rows
    rows = session.scalars(select(OutboxMessage.to_addrs).where(
        OutboxMessage.kind.in_(LIMITED), OutboxMessage.created_at >= since))
    return sum(1 for to in rows if address in to)
