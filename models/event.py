"""The audit trail: what happened to an escalation, when, and who did it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))  # opened, notified, breach, status, note, ...
    actor: Mapped[str] = mapped_column(String(320))  # an address, or "escalator"
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_event_escalation_id", "escalation_id", "id"),)
