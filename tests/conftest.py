"""Shared fixtures. Their logic lives in tests/support; this file only wires lifetimes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from escalator.db import Database, init_db
from escalator.faultlog import lasting
from tests.support.dovecot import Account, Dovecot
from tests.support.smtp_server import SmtpServer


@pytest.fixture(autouse=True)
def no_lasting_faults() -> Iterator[None]:
    """Each test's failures are logged as its own first ones (escalator.faultlog)."""
    lasting.clear()
    yield


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    """One real Dovecot for the session (fails, never skips, when it is not installed)."""
    with Dovecot() as server:
        yield server


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> Account:
    """A fresh, empty mail account on the session's Dovecot."""
    return dovecot_server.add_user()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real aiosmtpd on a free port recording every message; cues for 4xx/5xx replies."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A fresh SQLite database at the current schema (service tests with no mail server)."""
    url = f"sqlite:///{tmp_path / 'escalator.db'}"
    init_db(url)
    database = Database(url)
    yield database
    database.dispose()
