"""An escalation's tracked work: the tasks of its playbook and the items of its Escalation
Ask, numbered per kind (tasks 1, 2, …; asks A1, A2, …). `next_at` is when the task sweep
looks at it next (its reminder, then its climb), indexed and NULL once nothing is pending;
the notices themselves are Notice rows (target "task:ID"), unique: each fires once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

TASK_STATES = ("open", "done", "skipped")


class Task(Base):
    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id"))
    kind: Mapped[str] = mapped_column(String(10))  # "task" | "ask"
    number: Mapped[int]  # 1-based within its kind
    title: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(120))  # csm, manager, …, owner, category:NAME
    assignee: Mapped[str] = mapped_column(String(320), default="")  # an ask's taker
    after: Mapped[int | None]  # the task number it follows
    due_seconds: Mapped[int] = mapped_column(default=0)  # after the opening, or after `after`
    climb_seconds: Mapped[int] = mapped_column(default=0)  # past due: the rung above hears
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str] = mapped_column(String(320), default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was skipped
    reminded_at: Mapped[datetime | None]
    climbed_at: Mapped[datetime | None]
    next_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("escalation_id", "kind", "number", name="uq_task_number"),
        Index("ix_task_next_at", "next_at"),
        Index("ix_task_escalation_id", "escalation_id"),
    )

    @property
    def label(self) -> str:
        return f"A{self.number}" if self.kind == "ask" else str(self.number)
