"""Which received messages changed nothing, and why: `escalator ignored`.

Every message leaves one inbound row; those whose outcome is "ignored" (noise: auto-reply,
bounce, list mail, own mail), "outsider" (kept in the failed folder), "rejected" (a
colleague's unusable message, answered within the loop breaker's limit) or "error" (it could
not be recorded: kept in the failed folder for a person) are listed here with the reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalator.service.views import iso
from models import Inbound

OUTCOMES = ("ignored", "outsider", "rejected", "error")


def ignored_messages(session: Session, since: datetime | None = None) -> list[dict[str, Any]]:
    """Oldest first: {received_at, message_id, sender, subject, outcome, reason}."""
    query = select(Inbound).where(Inbound.outcome.in_(OUTCOMES)).order_by(Inbound.id)
    if since is not None:
        query = query.where(Inbound.received_at >= since)
    return [_view(row) for row in session.scalars(query)]


def _view(row: Inbound) -> dict[str, Any]:
    at = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=UTC)
    return {
        "received_at": iso(at),
        "message_id": row.message_key,
        "sender": row.sender,
        "subject": row.subject,
        "outcome": row.outcome,
        "reason": row.reason,
    }
