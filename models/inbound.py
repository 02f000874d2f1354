"""One row per received message: recorded in the same transaction as its effects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Inbound(Base):
    __tablename__ = "inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(998), unique=True)  # Message-ID or digest
    sender: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(20))  # intake|reply|rejected|ignored
    reason: Mapped[str] = mapped_column(Text, default="")
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalation.id"))
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # a reply's text: loop breaker

    __table_args__ = (Index("ix_inbound_sender_received_at", "sender", "received_at"),)
