"""Links already used: one row per spent token (its digest), unique, so a second use of the
same link cannot commit, from two instances at once as from one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class UsedLink(Base):
    __tablename__ = "used_link"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    purpose: Mapped[str] = mapped_column(String(16))  # action | signin
    recipient: Mapped[str] = mapped_column(String(320))
    escalation_id: Mapped[int | None]
    used_at: Mapped[datetime]
