"""Outgoing mail, rendered in the same transaction as the change that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalation.id"))
    kind: Mapped[str] = mapped_column(String(40))  # ack, rejection, new, breach, recap, ...
    to_addrs: Mapped[list[str]] = mapped_column(JSON)
    cc_addrs: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the envelope, when it is not To + Cc: a copy of its own for one recipient (its links
    # are signed for them), whose headers still say who else got the email
    deliver_to: Mapped[list[str] | None] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    refused: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # address -> 5xx reply
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_escalation_id", "escalation_id"),
    )

    def envelope(self) -> list[str]:
        """Who this row is delivered to."""
        return list(self.deliver_to) if self.deliver_to else [*self.to_addrs, *self.cc_addrs]
