"""Stored OAuth2 sign-ins: one row per mailbox and flow, the secret encrypted (Fernet).

`secret` holds the refresh token, the current access token and its expiry; `error` the last
refresh that failed for good (shown by `escalator auth status`), cleared by a new sign-in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Credential(Base):
    __tablename__ = "credential"

    key: Mapped[str] = mapped_column(String(700), primary_key=True)  # flow:tenant:client:box
    secret: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    error: Mapped[str] = mapped_column(Text, default="")
    error_at: Mapped[datetime | None]
