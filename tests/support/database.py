"""Real databases for integration tests: a SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

PG_ADMIN = os.environ.get("ESCALATOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """Create a database of its own for one test, and drop it afterwards."""
    name = f"esc_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True)
    except psycopg.OperationalError as e:
        raise RuntimeError(
            f"PostgreSQL is needed at {PG_ADMIN} (set ESCALATOR_TEST_PG): {e}") from None
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'escalator.db'}"
