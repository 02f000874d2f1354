"""Outgoing messages, rendered in the same transaction as the change that caused it.

`channel` says how a row goes out (email, webhook, slack, teams: channels/); a recipient
is the pair (channel, address). Email rows carry subject and bodies; the others carry
`payload`, the exact body posted. Rows of one `queue` (channel, address and escalation)
go out in id order: a row waits while an older one of its queue is unsent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalation.id"))
    kind: Mapped[str] = mapped_column(String(40))  # ack, rejection, new, breach, recap, ...
    channel: Mapped[str] = mapped_column(String(20), default="email", server_default="email")
    payload: Mapped[str | None] = mapped_column(Text)  # the body posted (not email)
    queue: Mapped[str | None] = mapped_column(String(400))  # ordered delivery (not email)
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
        Index("ix_outbox_queue_id", "queue", "id"),
    )

    def envelope(self) -> list[str]:
        """Who this row is delivered to."""
        return list(self.deliver_to) if self.deliver_to else [*self.to_addrs, *self.cc_addrs]

class DisabledDestination(Base):
    """A receiver that answered 410 Gone: nothing more goes to it while its URL stays the
    same (`url_hash`, SHA-256: a Slack or Teams URL is a secret). A new URL enables it."""

    __tablename__ = "disabled_destination"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    url_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("channel", "address", "url_hash"),)
