"""Channel tests run on SQLite and PostgreSQL, against a real HTTP receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from escalator.db import Database, init_db
from tests.support.database import fresh_postgres, sqlite_url
from tests.support.http_receiver import HttpReceiver


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
        init_db(url)
        db = Database(url)
        yield db
        db.dispose()
    else:
        with fresh_postgres() as url:
            init_db(url)
            db = Database(url)
            yield db
            db.dispose()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver().start()
    yield server
    server.stop()
