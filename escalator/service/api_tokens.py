"""API tokens per integration: create (the secret shown once), list, revoke, and the check
every API request makes.

A token is "esc_" and 43 characters of secrets.token_urlsafe(32): 256 random bits. Only
its SHA-256 is stored (models.api_token says why not bcrypt), so the check is one indexed
lookup; a revoked token stays listed, and its name may be given to a new token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalator.errors import EscalatorError, NotFound
from models import ApiToken
from models.api_token import NAME_LENGTH

__all__ = ["TokenInfo", "create", "due_for_use_mark", "listing", "mark_used", "revoke",
           "verify"]

PREFIX = "esc_"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
USED_EVERY = timedelta(minutes=10)  # last_used_at is written at most this often


@dataclass(frozen=True)
class TokenInfo:
    name: str
    write: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def access(self) -> str:
        return "read-write" if self.write else "read-only"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def check_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME.match(name) or len(name) > NAME_LENGTH:
        raise EscalatorError(f"'{name}' is not a token name: lower-case letters, digits, "
                             f"'.', '_' and '-', at most {NAME_LENGTH} (e.g. salesforce-sync)")
    return name


def create(session: Session, name: str, write: bool, now: datetime) -> str:
    """A new token for `name`; returns the secret (never stored, never shown again)."""
    name = check_name(name)
    row = session.get(ApiToken, name, with_for_update=True)
    if row is not None and row.revoked_at is None:
        raise EscalatorError(f"api token '{name}' exists; revoke it first "
                             f"(escalator api-token revoke {name})")
    secret = PREFIX + secrets.token_urlsafe(32)
    if row is None:
        row = ApiToken(name=name)
        session.add(row)
    row.token_hash, row.write, row.created_at = digest(secret), write, now
    row.last_used_at = row.revoked_at = None
    session.flush()
    return secret


def listing(session: Session) -> list[TokenInfo]:
    return [_info(t) for t in session.scalars(select(ApiToken).order_by(ApiToken.name))]


def revoke(session: Session, name: str, now: datetime) -> TokenInfo:
    row = session.get(ApiToken, name.strip().lower(), with_for_update=True)
    if row is None:
        raise NotFound(f"api token '{name}': no such token")
    if row.revoked_at is None:
        row.revoked_at = now
    return _info(row)


def verify(session: Session, token: str) -> TokenInfo | None:
    """The live token a request offers, or None (unknown, revoked, or not one of ours)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    return _info(row)


def due_for_use_mark(info: TokenInfo, now: datetime) -> bool:
    """Is last_used_at old enough to be written again? (A read stays a read mostly.)"""
    return info.last_used_at is None or now - info.last_used_at >= USED_EVERY


def mark_used(session: Session, name: str, now: datetime) -> None:
    row = session.get(ApiToken, name)
    if row is not None:
        row.last_used_at = now


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(row.name, row.write, row.created_at, row.last_used_at, row.revoked_at)
