"""Build the token source of [imap] or [smtp] from the settings (mailer/tokens does the rest).

One source per sign-in and process: IMAP and SMTP on the same mailbox and flow share it,
so they share one access token and one refresh. A grant refused for good (TokenRevoked) is
kept in revoked() until a token comes again: the admin alert of kind "token" reads it, and
`run` is woken at once to send it (on_revoked).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from escalator import status
from escalator.db import Database
from escalator.oauth_config import STORED_FLOWS
from escalator.settings import OAuth2Settings, Settings
from escalator.tokenstore import DbTokenStore, load_key
from mailer.errors import TokenError, TokenRevoked
from mailer.tokens import TokenSource, TokenStore

log = logging.getLogger(__name__)
STATUS_NAME = "oauth2"  # escalator.status: /readyz and the admin alerts read it

_sources: dict[tuple[str, ...], TokenSource] = {}
_stores: dict[tuple[str, str], DbTokenStore] = {}
_lock = threading.RLock()  # build() takes store() inside token_source()
_log_failures = False  # `run` logs them; a one-shot command raises them as its one line
_revoked: dict[tuple[str, str], Revoked] = {}  # (flow, user) -> since when, and why
_on_revoked: list[Callable[[], None]] = []


@dataclass(frozen=True)
class Revoked:
    """A grant this process was refused for good: a person must run `escalator auth login`."""

    flow: str
    user: str
    since: datetime
    reason: str  # the one line of TokenRevoked


def revoked() -> list[Revoked]:
    """The grants refused for good and not renewed since, oldest first."""
    with _lock:
        return sorted(_revoked.values(), key=lambda r: r.since)


def on_revoked(callback: Callable[[], None]) -> None:
    """Call `callback` (no arguments, quickly) when a grant is first refused for good."""
    with _lock:
        _on_revoked.append(callback)


def imap_tokens(settings: Settings) -> TokenSource | None:
    return token_source(settings, settings.imap, settings.imap.username)


def smtp_tokens(settings: Settings) -> TokenSource | None:
    return token_source(settings, settings.smtp, settings.smtp.username)


def token_source(settings: Settings, s: OAuth2Settings, user: str,
                 env: Mapping[str, str] | None = None) -> TokenSource | None:
    """None: log in with the password."""
    if not s.oauth2_flow and not s.oauth2_token:
        return None
    key = (settings.database.url, s.oauth2_flow or "static", user, s.oauth2_tenant,
           s.oauth2_client_id, s.oauth2_token, s.oauth2_service_account_file)
    with _lock:
        if key not in _sources:
            _sources[key] = Watched(build(settings, s, user, env))
        return _sources[key]


def store(settings: Settings, s: OAuth2Settings, env: Mapping[str, str] | None = None,
          *, create_key: bool = False) -> DbTokenStore:
    env = os.environ if env is None else env
    url = settings.database.url
    with _lock:
        if (url, s.oauth2_key_file) not in _stores or create_key:
            fernet = load_key(s.oauth2_key_file, env, create=create_key)
            _stores[url, s.oauth2_key_file] = DbTokenStore(Database(url), fernet)
        return _stores[url, s.oauth2_key_file]


def build(settings: Settings, s: OAuth2Settings, user: str,
          env: Mapping[str, str] | None = None) -> TokenSource:
    """A new token source for these settings (the CLI's `auth` commands use it directly)."""
    flow = s.oauth2_flow or "static"
    token_store: TokenStore | None = (store(settings, s, env) if flow in STORED_FLOWS
                                      else None)
    if flow == "static":
        from mailer.tokens.static import StaticToken

        return StaticToken(user, s.oauth2_token)
    if flow == "microsoft-app":
        from mailer.tokens.microsoft import MicrosoftAppOnly

        return MicrosoftAppOnly(user, tenant=s.oauth2_tenant, client_id=s.oauth2_client_id,
                                client_secret=s.oauth2_client_secret,
                                authority_host=s.oauth2_authority)
    if flow == "microsoft-delegated":
        from mailer.tokens.microsoft import MicrosoftDelegated

        assert token_store is not None
        return MicrosoftDelegated(user, token_store, tenant=s.oauth2_tenant,
                                  client_id=s.oauth2_client_id,
                                  authority_host=s.oauth2_authority)
    if flow == "google-service-account":
        from mailer.tokens.google import GoogleServiceAccount

        return GoogleServiceAccount(user, s.oauth2_service_account_file)
    if flow == "google-installed":
        from mailer.tokens.google import GoogleInstalledApp

        assert token_store is not None
        return GoogleInstalledApp(user, token_store, client_id=s.oauth2_client_id,
                                  client_secret=s.oauth2_client_secret,
                                  token_uri=s.oauth2_token_uri, auth_uri=s.oauth2_auth_uri)
    raise ValueError(flow)  # config.py let an unknown flow through: a bug


def log_failures() -> None:
    """From now on (in `escalator run`) token failures are logged too, once each."""
    global _log_failures
    _log_failures = True


class Watched:
    """A token source whose failures are recorded in escalator.status (and, in `run`, logged
    once each: the poller retries with backoff, the log does not repeat it)."""

    def __init__(self, inner: TokenSource) -> None:
        self.inner = inner
        self._last_error = ""

    @property
    def user(self) -> str:
        return self.inner.user

    @property
    def flow(self) -> str:
        return self.inner.flow

    @property
    def renewable(self) -> bool:
        return self.inner.renewable

    def access_token(self, rejected: str | None = None) -> str:
        try:
            token = self.inner.access_token(rejected)
        except TokenError as e:
            line = str(e)
            if _log_failures and line != self._last_error:  # once, not once per retry
                (log.error if isinstance(e, TokenRevoked) else log.warning)("%s", line)
            self._last_error = line
            status.record_failure(STATUS_NAME, datetime.now(UTC), line)
            if isinstance(e, TokenRevoked):
                self._revoked(line)
            raise
        if self._last_error and _log_failures:
            log.warning("%s for %s: access token renewed again", self.flow, self.user)
            self._last_error = ""
        status.record_ok(STATUS_NAME, datetime.now(UTC))
        with _lock:
            _revoked.pop((self.flow, self.user), None)
        return token

    def _revoked(self, line: str) -> None:
        with _lock:
            first = (self.flow, self.user) not in _revoked
            old = _revoked.get((self.flow, self.user))
            _revoked[self.flow, self.user] = Revoked(
                self.flow, self.user, old.since if old else datetime.now(UTC), line)
            callbacks = list(_on_revoked) if first else []
        for callback in callbacks:
            callback()
