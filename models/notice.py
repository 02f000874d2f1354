"""One row per (escalation, target, rung): the database, not timing, makes a notice fire once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Notice(Base):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id"))
    target: Mapped[str] = mapped_column(String(20))  # new | response | resolution | warning:...
    rung: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime]  # the deadline that fired it
    sent_at: Mapped[datetime]  # when the sweep decided it (the outbox row is written alongside)

    __table_args__ = (UniqueConstraint("escalation_id", "target", "rung", name="uq_notice_once"),)
