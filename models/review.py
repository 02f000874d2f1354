"""The post-escalation review: asked for when an escalation is done, answered by reply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Review(Base):
    __tablename__ = "review"

    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id"), primary_key=True)
    requested_at: Mapped[datetime | None]  # NULL: answers came before any request
    reminders: Mapped[int] = mapped_column(default=0)
    # when the next reminder is due; NULL once answered or after the last reminder
    next_reminder_at: Mapped[datetime | None]
    satisfied: Mapped[bool | None]
    root_cause: Mapped[str | None] = mapped_column(Text)
    prevention: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(320))
    completed_at: Mapped[datetime | None]  # all three answers are in

    __table_args__ = (Index("ix_review_next_reminder_at", "next_reminder_at"),)
