"""One delivery outcome inside the caller's transaction, the same for every channel:
put off (backoff), refused for good (an event on the trail), gone (410: disabled, an
event and the next admin alert), or sent (email: 4xx-refused recipients get a copy)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalator.service import events
from models import DisabledDestination, Escalation, OutboxMessage

__all__ = ["MAX_BACKOFF", "address_of", "log_outcome", "mark_row", "some"]

log = logging.getLogger("escalator.service.delivery")  # the lines delivery always wrote
MAX_BACKOFF = timedelta(minutes=15)  # SMTP back after an outage: mail flows within 15 min


def address_of(row: OutboxMessage) -> str:
    """Email: the first To; the other channels: their one destination's name."""
    return row.to_addrs[0] if row.to_addrs else ""


def mark_row(session: Session, row_id: int, now: datetime, *, temporary: str | None = None,
          permanent: str | None = None, refused: dict[str, str] | None = None,
          gone: str | None = None, record: bool = True) -> None:
    """One row's outcome, inside the caller's transaction. `gone` (the URL's hash): the
    receiver answered 410 and is disabled, said on the trail and to the admins."""
    row = session.get(OutboxMessage, row_id)
    assert row is not None
    if temporary is not None:
        row.status = "pending"
        row.last_error = temporary[:2000]
        row.next_attempt_at = now + min(timedelta(seconds=30 * 2 ** (row.attempts - 1)),
                                        MAX_BACKOFF)
        log_outcome(logging.WARNING, "deferred", row, temporary)
    elif permanent is not None:
        row.status = "failed"
        row.last_error = permanent[:2000]
        row.refused = {a: permanent[:500] for a in row.envelope()}
        log_outcome(logging.ERROR, "refused", row, permanent)
        if gone is not None:
            _disable(session, row, now, gone, permanent)
        elif record:
            _record(session, row, now, row.refused)
    else:
        row.status = "sent"
        row.sent_at = now
        row.refused = refused or {}
        later = [a for a, reply in row.refused.items() if reply.startswith("4")]
        if later:
            session.add(_retry_copy(row, later, now))
        _record(session, row, now, {a: r for a, r in row.refused.items() if a not in later})


def log_outcome(level: int, outcome: str, row: OutboxMessage, detail: str) -> None:
    """One line per delivery outcome: the email's kind, Message-ID and escalation."""
    esc = f"ESC-{row.escalation_id}" if row.escalation_id else None
    log.log(level, "%s: %s %s %s%s: %s", outcome, row.kind, row.channel, row.message_id,
            f", {esc}" if esc else "", detail,
            extra={"outcome": outcome, "message_id": row.message_id, "escalation": esc,
                   "kind": row.kind, "channel": row.channel})


def some(addresses: list[str], most: int = 5) -> str:
    more = len(addresses) - most
    return ", ".join(addresses[:most]) + (f" and {more} more" if more > 0 else "")


def _record(session: Session, row: OutboxMessage, now: datetime,
            refused: dict[str, str]) -> None:
    """A permanent refusal goes on the escalation's trail: `show` and the owner's recap."""
    if not refused or row.escalation_id is None:
        return
    esc = session.get(Escalation, row.escalation_id)
    if esc is None:
        return
    for address, reply in refused.items():  # email: the owner's recap; others: the admins
        events.add(session, esc, now, "delivery" if row.channel == "email" else "channel",
                   "escalator", f"{row.kind} {row.channel} to {address} not delivered: {reply}")


def _disable(session: Session, row: OutboxMessage, now: datetime, url_hash: str,
             reason: str) -> None:
    """410 Gone: nothing more to that URL; the trail and the next admin alert say so."""
    address = address_of(row)
    known = session.scalar(select(DisabledDestination.id).where(
        DisabledDestination.channel == row.channel, DisabledDestination.address == address,
        DisabledDestination.url_hash == url_hash))
    if known is None:
        session.add(DisabledDestination(channel=row.channel, address=address,
                                        url_hash=url_hash, at=now, reason=reason[:2000]))
    esc = session.get(Escalation, row.escalation_id) if row.escalation_id else None
    if esc is not None:
        events.add(session, esc, now, "channel", "escalator",
                   f"{row.channel} {address} disabled: {reason}")
    log.error("%s %s disabled: %s", row.channel, address, reason,
              extra={"outcome": "disabled", "channel": row.channel})


def _retry_copy(row: OutboxMessage, addresses: list[str], now: datetime) -> OutboxMessage:
    """The same email for recipients refused with 4xx while others took it: retried alone,
    under a Message-ID of its own (the unique key), threaded like the original."""
    local, _, domain = row.message_id.strip("<>").partition("@")
    return OutboxMessage(
        escalation_id=row.escalation_id, kind=row.kind, to_addrs=addresses, cc_addrs=[],
        subject=row.subject, text_body=row.text_body, html_body=row.html_body,
        message_id=f"{local}.r{row.attempts}@{domain}", in_reply_to=row.in_reply_to,
        references=list(row.references), status="pending", attempts=1,
        next_attempt_at=now + timedelta(seconds=30), created_at=row.created_at, refused={},
    )
