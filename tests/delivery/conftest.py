"""A fresh SQLite database, at the current schema, for each delivery test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from escalator.db import Database, init_db


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'escalator.db'}"
    init_db(url)
    database = Database(url)
    yield database
    database.dispose()
