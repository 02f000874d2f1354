"""Token tests: a real OAuth2 server on loopback, and token stores on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from escalator.db import Database, init_db
from escalator.tokenstore import DbTokenStore
from tests.support.database import fresh_postgres, sqlite_url
from tests.support.dovecot import Dovecot
from tests.support.oauth_mail import oauth_dovecot as oauth_dovecot_for
from tests.support.oauth_mail import oauth_smtp
from tests.support.oauth_server import OAuthServer
from tests.support.smtp_server import SmtpServer
from tests.support.tls import SelfSignedCert


@pytest.fixture(scope="session")
def oauth_cert() -> Iterator[SelfSignedCert]:
    folder = Path(tempfile.mkdtemp(prefix="oauth-cert-", dir="/tmp"))
    folder.chmod(0o755)  # Dovecot's auth process reads the CA too
    yield SelfSignedCert(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def oauth(monkeypatch: pytest.MonkeyPatch, oauth_cert: SelfSignedCert
          ) -> Iterator[OAuthServer]:
    """The authorization server; msal and google-auth (requests) trust its certificate."""
    with OAuthServer(cert=oauth_cert) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_file)
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
        init_db(url)
        yield url
    else:
        with fresh_postgres() as url:
            init_db(url)
            yield url


@pytest.fixture
def store_key() -> Fernet:
    return Fernet(Fernet.generate_key())


@pytest.fixture
def store(database_url: str, store_key: Fernet) -> Iterator[DbTokenStore]:
    db = Database(database_url)
    yield DbTokenStore(db, store_key)
    db.dispose()


class Clock:
    """Seconds since the epoch, moved by hand: token expiry without waiting."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def oauth_dovecot(oauth: OAuthServer) -> Iterator[Dovecot]:
    with oauth_dovecot_for(oauth) as server:
        yield server


@pytest.fixture
def oauth_smtp_server(oauth: OAuthServer) -> Iterator[SmtpServer]:
    with oauth_smtp(oauth) as server:
        yield server
