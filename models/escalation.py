"""The escalation record. Deadlines live here, in indexed columns the sweep scans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

STATUSES = ("open", "working", "waiting", "done")  # "waiting" (on the customer) stops the clocks
OPEN_STATUSES = STATUSES[:3]  # everything not done
MAX_ID = 2**31 - 1  # PostgreSQL integer: a larger ESC-N names no escalation


class Escalation(Base):
    __tablename__ = "escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    issue: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[int]
    risk_level: Mapped[str | None] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    csm: Mapped[str] = mapped_column(String(320))
    owner: Mapped[str] = mapped_column(String(320))
    rung: Mapped[str] = mapped_column(String(20))  # highest rung notified so far
    timeline: Mapped[str] = mapped_column(Text, default="")
    call_recording: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    business_impact: Mapped[str] = mapped_column(Text, default="")
    # lists as JSON: same code on SQLite and PostgreSQL
    actions_taken: Mapped[list[str]] = mapped_column(JSON, default=list)
    ask: Mapped[list[str]] = mapped_column(JSON, default=list)
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    stakeholders: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]  # set while status is waiting
    response_due_at: Mapped[datetime]
    resolution_due_at: Mapped[datetime]
    response_breaches: Mapped[int] = mapped_column(default=0)
    resolution_breaches: Mapped[int] = mapped_column(default=0)
    paused_seconds: Mapped[int] = mapped_column(default=0)  # total time spent waiting
    # when the ladder climbs next if nothing happens; NULL when nothing is pending
    next_escalation_at: Mapped[datetime | None]
    # the next warning before a breach (75% / 90% of a target); NULL when none is pending
    next_warning_at: Mapped[datetime | None]
    team: Mapped[str | None] = mapped_column(String(100))  # whose ladder: [teams.NAME]

    source_message_id: Mapped[str] = mapped_column(String(998))  # the CSM's email
    thread_root: Mapped[str] = mapped_column(String(998))  # our first email: all others refer to it

    __table_args__ = (
        Index("ix_escalation_next_escalation_at", "next_escalation_at"),
        Index("ix_escalation_next_warning_at", "next_warning_at"),
        Index("ix_escalation_status", "status"),
        Index("ix_escalation_account", "account"),
    )

    @property
    def ref(self) -> str:
        return f"ESC-{self.id}"
