"""Service tests that need it run on SQLite and on PostgreSQL, like the integration tests:
`database_url` (a URL) or `any_db` (a Database at the current schema)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from escalator.db import Database, init_db
from tests.integration.conftest import database_url

__all__ = ["any_db", "database_url"]


@pytest.fixture
def any_db(database_url: str) -> Iterator[Database]:
    init_db(database_url)
    database = Database(database_url)
    yield database
    database.dispose()
