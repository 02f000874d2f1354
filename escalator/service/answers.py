"""The loop breaker, so that a robot and Escalator can't mail each other forever.

Answers to a person's unusable mail (rejections, "not understood" confirmations, "could not
be recorded") are limited per address and hour. A reply is applied, and so recapped to
everyone, at most twice an hour with the same new text from the same sender to the same
escalation: a colleague's auto-responder that ignores Auto-Submitted answers every recap
with the same words. Acknowledgements of valid escalations are never limited."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalator.service.outbox import enqueue
from escalator.service.recipients import mailbox
from escalator.settings import Settings
from models import Escalation, Inbound, OutboxMessage
from parser.result import Reply

log = logging.getLogger(__name__)
LIMITED = ("rejection", "confirmation", "error")
REPEATS = 3  # the same reply this often within LOOP_WINDOW is a loop: not applied
LOOP_WINDOW = timedelta(hours=1)
_WORDS = re.compile(r"[^\W\d_]+")  # letters only: a robot's ticket numbers and dates vary


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


def fingerprint(reply: Reply) -> str:
    """The reply's new text with case, digits and punctuation dropped, and its commands as
    they are: "Severity: 1" then "Severity: 2" differ, two tickets #4001 and #4002 do not."""
    text = " ".join([reply.text, *(c.value for c in reply.commands if c.name == "note")])
    words = " ".join(_WORDS.findall(text.lower()))
    commands = "\n".join(f"{c.name}={c.value}" for c in reply.commands if c.name != "note")
    return hashlib.sha256(f"{words}\n{commands}".encode()).hexdigest()[:32]


def looping(session: Session, inbound: Inbound, reply: Reply, now: datetime) -> bool:
    """True (and the row says why) when this reply repeats its sender's last ones."""
    inbound.fingerprint = fingerprint(reply)
    seen = session.scalar(select(func.count()).select_from(Inbound).where(
        Inbound.sender == inbound.sender, Inbound.escalation_id == inbound.escalation_id,
        Inbound.fingerprint == inbound.fingerprint,
        Inbound.received_at >= now - LOOP_WINDOW)) or 0  # this row too: it is flushed
    if seen < REPEATS:
        return False
    inbound.outcome = "ignored"
    inbound.reason = (f"loop: the same reply {seen} times within an hour to "
                      f"ESC-{inbound.escalation_id}; not applied")
    log.warning("not applying %s from %s: %s", inbound.message_key, inbound.sender,
                inbound.reason)
    return True
