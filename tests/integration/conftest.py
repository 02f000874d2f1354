"""Integration fixtures: each flow runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Cli, ready_cli
from tests.support.database import fresh_postgres, sqlite_url
from tests.support.dovecot import Account, Dovecot
from tests.support.postgres import Cluster
from tests.support.smtp_server import SmtpServer


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with fresh_postgres() as url:
            yield url


@pytest.fixture
def cli(tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> Cli:
    """The CLI on a fresh schema, configured for this test's Dovecot and aiosmtpd."""
    return ready_cli(tmp_path, database_url, dovecot.settings(), smtp_server.settings())


@pytest.fixture
def own_dovecot() -> Iterator[Dovecot]:
    """A Dovecot of the test's own, to stop and start (the session's one stays up)."""
    with Dovecot() as server:
        yield server


@pytest.fixture
def own_postgres() -> Iterator[Cluster]:
    """A PostgreSQL cluster of the test's own, to stop and start."""
    with Cluster() as cluster:
        yield cluster
