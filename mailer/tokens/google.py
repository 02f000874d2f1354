"""Google Workspace access tokens for Gmail IMAP and SMTP (scope https://mail.google.com/).

    GoogleServiceAccount  a service account with domain-wide delegation; the subject is the
                          mailbox. Nothing to store: the key file signs each new request.
    GoogleInstalledApp    a refresh token from one consent (`escalator auth login`), stored;
                          should Google hand out a new one, it is stored at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import google.auth.exceptions
import google.auth.transport.requests
from google.oauth2 import credentials, service_account

from mailer.errors import TokenError
from mailer.tokens.base import Renewing, Stored, Token, TokenStore, token_error

SCOPES = ["https://mail.google.com/"]
TOKEN_URI = "https://oauth2.googleapis.com/token"
AUTH_URI = "https://accounts.google.com/o/oauth2/auth"


def _refresh(creds: Any, where: str, what: str, hint: str,
             clock: Callable[[], float]) -> Token:
    try:
        creds.refresh(google.auth.transport.requests.Request())
    except google.auth.exceptions.RefreshError as e:
        answer = e.args[1] if len(e.args) > 1 and isinstance(e.args[1], dict) else {
            "error": str(e.args[0]) if e.args else "refused"}
        error = token_error(where, answer, what, hint)
        if getattr(e, "retryable", False):
            raise TokenError(str(error)) from e
        raise error from e
    except google.auth.exceptions.TransportError as e:
        raise TokenError(f"{where}: token endpoint unreachable: {e}") from e
    now = clock()
    expiry: datetime | None = creds.expiry  # naive UTC
    left = (expiry - datetime.utcnow()).total_seconds() if expiry else 3600.0
    return Token(str(creds.token), now + left, now)


class GoogleServiceAccount(Renewing):
    flow = "google-service-account"
    hint = "check the key file and the client's domain-wide delegation in Google Admin"

    def __init__(self, mailbox: str, key_file: str,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(mailbox, clock)
        self.key_file = key_file

    def _renew(self, rejected: str | None) -> Token:
        where = f"{self.flow} for {self.user}"
        try:
            creds = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                self.key_file, scopes=SCOPES, subject=self.user)
        except (OSError, ValueError) as e:
            raise token_error(where, {"error": "invalid_client", "error_description":
                                      f"key file {self.key_file}: {e}"}, "key", self.hint
                              ) from e
        return _refresh(creds, where, "service account assertion", self.hint, self._clock)


class GoogleInstalledApp(Stored):
    flow = "google-installed"

    def __init__(self, mailbox: str, store: TokenStore, *, client_id: str,
                 client_secret: str, token_uri: str = "", auth_uri: str = "",
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(mailbox, store, f"{self.flow}:{client_id}:{mailbox}", clock)
        self._client_id = client_id
        self._secret = client_secret
        self.token_uri = token_uri or TOKEN_URI
        self.auth_uri = auth_uri or AUTH_URI

    def _refresh(self, refresh_token: str) -> tuple[Token, str | None, dict[str, Any]]:
        creds = credentials.Credentials(  # type: ignore[no-untyped-call]
            None, refresh_token=refresh_token, token_uri=self.token_uri,
            client_id=self._client_id, client_secret=self._secret, scopes=SCOPES)
        token = _refresh(creds, f"{self.flow} for {self.user}", "refresh", self.hint,
                         self._clock)
        rotated = creds.refresh_token if creds.refresh_token != refresh_token else None
        return token, rotated, {}

    def login(self, prompt: str, timeout_seconds: int = 600) -> None:
        """`escalator auth login`: the consent in a browser (google-auth-oauthlib's installed-app
        flow: a link to open, a redirect back to a loopback port, PKCE); the result stored.

        `prompt` is printed with {url} filled in.
        """
        from google_auth_oauthlib.flow import InstalledAppFlow  # type: ignore[import-untyped]

        flow = InstalledAppFlow.from_client_config({"installed": {
            "client_id": self._client_id, "client_secret": self._secret,
            "auth_uri": self.auth_uri, "token_uri": self.token_uri,
            "redirect_uris": ["http://localhost"]}}, scopes=SCOPES)
        where = f"{self.flow} for {self.user}"
        try:
            creds = flow.run_local_server(
                host="localhost", bind_addr="127.0.0.1", port=0, open_browser=False,
                authorization_prompt_message=prompt, timeout_seconds=timeout_seconds,
                success_message="Escalator has the mailbox now; you may close this tab.",
                prompt="consent", login_hint=self.user)
        except Exception as e:  # oauthlib's errors have no common base worth naming
            raise TokenError(f"{where}: consent failed: {e}") from e
        if not creds.refresh_token:
            raise TokenError(f"{where}: no refresh token came back (consent again)")
        self.store_refresh_token(creds.refresh_token)

    def store_refresh_token(self, refresh_token: str) -> None:
        """Keep a refresh token from a consent, checked by using it once."""
        token, rotated, _ = self._refresh(refresh_token)
        with self.store.locked(self.key) as slot:
            slot.save({"refresh_token": rotated or refresh_token,
                       "access_token": token.access_token, "expires_at": token.expires_at,
                       "issued_at": token.issued_at, "account": self.user})
        self._token = token
