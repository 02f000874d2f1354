"""One row per (person, local day) a digest went to: the unique key makes it once a day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class DigestSent(Base):
    __tablename__ = "digest_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320))
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in [digest] timezone
    sent_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("address", "day", name="uq_digest_sent_once"),)
