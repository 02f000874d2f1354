"""API tokens, one per integration (a CRM sync, a script): the SHA-256 of the secret only.

The secret is 32 random bytes, so a plain SHA-256 is enough to keep a copy of the table
from being a key to the API, and it can be looked up by index on every request; bcrypt or
argon2 slow the guessing of low-entropy passwords, which these are not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

NAME_LENGTH = 100


class ApiToken(Base):
    __tablename__ = "api_token"

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    write: Mapped[bool]  # read-write; else read-only
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]  # kept, so `list` still names it
