"""The one thing the mail edges ask of OAuth2: a current access token for this mailbox.

    TokenSource.user            the XOAUTH2/OAUTHBEARER user (the mailbox address)
    TokenSource.access_token()  a token good for a few more minutes, refreshed before expiry
    TokenSource.access_token(rejected=t)   the server refused `t`: a fresh one, once

`Renewing` does the caching and the refresh-before-expiry for every provider module; a
provider only says how to get a new `Token`. `Stored` adds a `TokenStore`: a refresh token
that rotates is saved in the same locked step that used it, so a restart, or a second
instance, uses the new one. A grant that is gone for good raises TokenRevoked once; the
provider is not asked again until a new sign-in changes what is stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from mailer.errors import TokenError, TokenRevoked

REFRESH_MARGIN_SECONDS = 300.0  # refresh this long before expiry (half the lifetime if shorter)


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_at: float  # POSIX seconds
    issued_at: float

    def fresh(self, now: float) -> bool:
        margin = min(REFRESH_MARGIN_SECONDS, (self.expires_at - self.issued_at) / 2)
        return now < self.expires_at - margin


class TokenSource(Protocol):
    @property
    def user(self) -> str: ...

    @property
    def flow(self) -> str: ...

    @property
    def renewable(self) -> bool:
        """False: a refused token is a refused login (no second try)."""
        ...

    def access_token(self, rejected: str | None = None) -> str:
        """A current access token; `rejected`: the server refused that one, renew now."""
        ...


class Slot(Protocol):
    """One stored credential, locked for read-modify-write while the `with` lasts."""

    data: dict[str, Any] | None  # None: nobody has signed in for this key yet

    def save(self, data: dict[str, Any]) -> None: ...

    def fail(self, error: str) -> None:
        """Remember a refresh that failed for good (kept when the block raises)."""
        ...


class TokenStore(Protocol):
    def locked(self, key: str) -> AbstractContextManager[Slot]: ...


class Renewing:
    """Caches one Token and renews it before it expires; subclasses implement `_renew`."""

    flow = "oauth2"
    renewable = True

    def __init__(self, user: str, clock: Callable[[], float] = time.time) -> None:
        self._user = user
        self._clock = clock
        self._token: Token | None = None
        self._lock = threading.Lock()  # IMAP poller and SMTP sender share a source

    @property
    def user(self) -> str:
        return self._user

    @property
    def cached(self) -> Token | None:
        return self._token

    def access_token(self, rejected: str | None = None) -> str:
        with self._lock:
            token = self._token
            if token is not None and token.access_token != rejected and token.fresh(
                    self._clock()):
                return token.access_token
            self._token = self._renew(rejected)
            return self._token.access_token

    def _renew(self, rejected: str | None) -> Token:
        raise NotImplementedError

    hint = "sign in again: escalator auth login"  # what fixes a grant refused for good

    def _token_from(self, answer: dict[str, Any], what: str) -> Token:
        """A token endpoint's JSON answer (access_token, expires_in) as a Token."""
        if "access_token" not in answer:
            raise token_error(f"{self.flow} for {self.user}", answer, what, self.hint)
        now = self._clock()
        return Token(str(answer["access_token"]),
                     now + float(answer.get("expires_in", 3600)), now)


# error codes that mean "the grant is gone: a person has to sign in again"
_FOR_GOOD = {"invalid_grant", "invalid_client", "unauthorized_client", "consent_required",
             "interaction_required", "access_denied", "invalid_scope"}
_FOR_GOOD_AADSTS = ("AADSTS50173", "AADSTS700082", "AADSTS70008", "AADSTS65001",
                    "AADSTS50076", "AADSTS700016", "AADSTS7000215", "AADSTS7000222")


def token_error(where: str, answer: dict[str, Any], what: str,
                hint: str = "sign in again: escalator auth login") -> TokenError:
    """A token endpoint's error answer as one line: TokenRevoked when retrying is useless."""
    code = str(answer.get("error") or "no access_token in the answer")
    text = " ".join(str(answer.get("error_description") or "").split())
    first = text.split(" Trace ID:")[0][:300]  # Entra appends trace and correlation ids
    line = f"{where}: {what} refused: {code}{': ' + first if first else ''}"
    if code in _FOR_GOOD or any(text.startswith(c) for c in _FOR_GOOD_AADSTS):
        return TokenRevoked(f"{line} ({hint})")
    return TokenError(line)


class Stored(Renewing):
    """A source whose refresh token lives in a TokenStore; subclasses implement `_refresh`.

    Stored data: {"refresh_token", "access_token", "expires_at", "issued_at", ...}.
    """

    def __init__(self, user: str, store: TokenStore, key: str,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(user, clock)
        self.store = store
        self.key = key

    def _renew(self, rejected: str | None) -> Token:
        with self.store.locked(self.key) as slot:
            data = slot.data
            if not data or not data.get("refresh_token"):
                raise TokenRevoked(f"{self.flow} for {self.user}: nobody has signed in yet "
                                   "(run: escalator auth login)")
            if data.get("revoked"):  # already refused this refresh token: do not ask again
                raise TokenRevoked(str(data["revoked"]))
            stored = _stored_token(data)
            if stored is not None and stored.access_token != rejected and stored.fresh(
                    self._clock()):
                return stored  # another instance (or process) renewed it meanwhile
            try:
                token, refresh_token, extra = self._refresh(str(data["refresh_token"]))
            except TokenRevoked as e:
                slot.fail(str(e))
                raise
            slot.save({**data, **extra, "refresh_token": refresh_token or data["refresh_token"],
                       "access_token": token.access_token, "expires_at": token.expires_at,
                       "issued_at": token.issued_at})
            return token

    def _refresh(self, refresh_token: str) -> tuple[Token, str | None, dict[str, Any]]:
        """New token, the rotated refresh token (None: unchanged) and extra data to keep."""
        raise NotImplementedError


def _stored_token(data: dict[str, Any]) -> Token | None:
    try:
        return Token(str(data["access_token"]), float(data["expires_at"]),
                     float(data["issued_at"]))
    except (KeyError, TypeError, ValueError):
        return None
