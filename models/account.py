"""The account directory, and which escalation belongs to which account.

An account is found by a key, its name or one of its aliases with case, spaces and
punctuation dropped ("Globex Corp." and "globex corp" share the key "globexcorp"). Every
key is one row of `account_alias`, unique, so a name or alias names one account only.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


def account_key(name: str) -> str:
    """'Globex Corp.' -> 'globexcorp': letters and digits only, case-folded, accents kept."""
    text = unicodedata.normalize("NFKC", name).casefold()
    key = "".join(c for c in text if c.isalnum())
    return key or " ".join(text.split())  # a name of punctuation only still gets a key


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    # exact in PostgreSQL, read back as float (SQLite has no decimals); NULL: not known yet
    arr: Mapped[float | None] = mapped_column(Numeric(16, 2, asdecimal=False))
    segment: Mapped[str] = mapped_column(String(100), default="")
    renewal_date: Mapped[date | None] = mapped_column(Date)
    csm: Mapped[str] = mapped_column(String(320), default="")
    team: Mapped[str] = mapped_column(String(100), default="")
    health: Mapped[str] = mapped_column(String(40), default="")
    # "directory" (from `accounts import`) or "intake" (created by an escalation's email)
    source: Mapped[str] = mapped_column(String(20), default="directory")
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_account_renewal_date", "renewal_date"),
        Index("ix_account_csm_lower", text("lower(csm)")),  # a CSM's team, at every intake
    )


class AccountAlias(Base):
    """One lookup key (the name's own, or an alias's) -> its account."""

    __tablename__ = "account_alias"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    alias: Mapped[str] = mapped_column(String(300))  # as written: the name or the alias

    __table_args__ = (Index("ix_account_alias_account_id", "account_id"),)


class EscalationAccount(Base):
    """The account an escalation belongs to: one row per escalation."""

    __tablename__ = "escalation_account"

    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))

    __table_args__ = (
        Index("ix_escalation_account_account_id", "account_id", "escalation_id"),
    )
