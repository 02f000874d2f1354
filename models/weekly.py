"""One row per weekly leadership report sent: the unique week makes it once a week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class WeeklyReportSent(Base):
    __tablename__ = "weekly_report_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(10))  # the report's local day, YYYY-MM-DD
    sent_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("week", name="uq_weekly_report_sent_once"),)
