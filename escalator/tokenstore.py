"""OAuth2 sign-ins kept in the database (table `credential`), encrypted with Fernet.

Why the database and not a file: two instances of `escalator run` share it, and a row lock
makes refreshing a rotating refresh token a one-at-a-time step: one instance refreshes and
stores the new token before it commits; the other, waiting on the lock, then reads what was
stored (a fresh access token) instead of spending the refresh token a second time. It is
also backed up with everything else. The secret is encrypted with a key that is not in the
database (ESCALATOR_TOKEN_KEY, or a file of mode 0600), so a dump alone opens no mailbox.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from escalator.db import Database, is_postgres
from escalator.errors import ConfigError
from escalator.oauth_config import KEY_ENV, key_file_problem
from mailer.errors import TokenRevoked
from models import Credential


def load_key(key_file: str, env: Mapping[str, str], *, create: bool = False) -> Fernet:
    """The Fernet key from the environment or from `key_file` (made, mode 0600, if asked)."""
    if env.get(KEY_ENV):
        return _fernet(env[KEY_ENV], KEY_ENV)
    where = f"oauth2_key_file '{key_file}'"
    if create and not os.path.exists(key_file):
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key() + b"\n")
    problem = key_file_problem(key_file)
    if problem:
        raise ConfigError(f"oauth2_key_file: {problem}")
    try:
        text = Path(key_file).read_text().strip()
    except FileNotFoundError:
        raise ConfigError(f"{where} does not exist: run 'escalator auth login' first"
                          ) from None
    return _fernet(text, where)


def _fernet(text: str, where: str) -> Fernet:
    try:
        return Fernet(text.strip().encode())
    except ValueError:
        raise ConfigError(f"{where}: not a key (32 url-safe base64-encoded bytes)") from None


@dataclass
class StoredRow:
    """One row as `escalator auth status` shows it."""

    data: dict[str, Any] | None
    updated_at: datetime | None
    error: str
    error_at: datetime | None


class _Slot:
    def __init__(self, data: dict[str, Any] | None) -> None:
        self.data = data
        self.saved: dict[str, Any] | None = None
        self.failed: str = ""

    def save(self, data: dict[str, Any]) -> None:
        self.saved = data

    def fail(self, error: str) -> None:
        self.failed = error


class DbTokenStore:
    def __init__(self, db: Database, fernet: Fernet) -> None:
        self.db = db
        self._fernet = fernet

    def _decrypt(self, key: str, secret: str) -> dict[str, Any]:
        try:
            data = json.loads(self._fernet.decrypt(secret.encode()))
        except (InvalidToken, ValueError):
            raise TokenRevoked(f"stored sign-in {key} cannot be decrypted with this key "
                               f"(did oauth2_key_file or {KEY_ENV} change?): run "
                               "'escalator auth login' again") from None
        assert isinstance(data, dict)
        return data

    def _encrypt(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data).encode()).decode()

    @contextmanager
    def locked(self, key: str) -> Iterator[_Slot]:
        """Read, change and write one sign-in under a row lock (SQLite: its write lock).

        A `fail(...)` is committed even though the block raises.
        """
        pending: BaseException | None = None
        with self.db.transaction() as session:
            query = select(Credential).where(Credential.key == key)
            if is_postgres(session):
                query = query.with_for_update()
            row = session.scalars(query).one_or_none()
            slot = _Slot(self._decrypt(key, row.secret) if row is not None else None)
            try:
                yield slot
            except BaseException as e:
                if not slot.failed:
                    raise
                pending = e
            now = datetime.now(UTC)
            if slot.saved is not None:
                if row is None:
                    row = Credential(key=key, secret="", updated_at=now, error="")
                    session.add(row)
                row.secret, row.updated_at = self._encrypt(slot.saved), now
                row.error, row.error_at = "", None
            if slot.failed and row is not None:
                row.secret = self._encrypt({**(slot.data or {}), "revoked": slot.failed})
                row.error, row.error_at = slot.failed, now
        if pending is not None:
            raise pending

    def read(self, key: str) -> StoredRow:
        with self.db.transaction() as session:
            row = session.get(Credential, key)
            if row is None:
                return StoredRow(None, None, "", None)
            return StoredRow(self._decrypt(key, row.secret), row.updated_at, row.error,
                          row.error_at)
