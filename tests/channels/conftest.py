"""Channel tests run on SQLite and PostgreSQL, against a real HTTP receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.escalator.conftest import any_db, database_url
from tests.support.http_receiver import HttpReceiver

__all__ = ["any_db", "database_url", "receiver"]


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver().start()
    yield server
    server.stop()
