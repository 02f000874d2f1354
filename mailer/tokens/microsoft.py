"""Microsoft 365 (Entra ID) access tokens for Exchange Online IMAP and SMTP, with msal.

    MicrosoftAppOnly     client credentials (a client secret), scope
                         https://outlook.office365.com/.default: a service principal with
                         FullAccess to the mailbox (a shared mailbox); the XOAUTH2 user is
                         that mailbox's address
    MicrosoftDelegated   a person signed in once with the device-code flow (`escalator auth
                         login`); the refresh token is stored and renewed, rotating, ever after

msal adds offline_access (a refresh token) to every delegated request itself: asking for it
by name is an error in msal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import msal  # type: ignore[import-untyped]
import requests

from mailer.errors import TokenError, TokenRevoked
from mailer.tokens.base import Renewing, Stored, Token, TokenStore, token_error

AUTHORITY_HOST = "https://login.microsoftonline.com"
OUTLOOK = "https://outlook.office.com/"
DELEGATED_SCOPES = [OUTLOOK + "IMAP.AccessAsUser.All", OUTLOOK + "SMTP.Send"]
APP_SCOPES = ["https://outlook.office365.com/.default"]
TIMEOUT_SECONDS = 30


def _authority(host: str, tenant: str) -> tuple[str, bool]:
    """The authority URL, and whether msal should check the host with Microsoft first."""
    host = (host or AUTHORITY_HOST).rstrip("/")
    known = urlsplit(host).hostname == urlsplit(AUTHORITY_HOST).hostname
    return f"{host}/{tenant}", known


def _app(cls: Any, where: str, **kwargs: Any) -> Any:
    """An msal application; it reads the tenant's OpenID configuration at once."""
    try:
        return cls(timeout=TIMEOUT_SECONDS, **kwargs)
    except requests.RequestException as e:
        raise TokenError(f"{where}: cannot reach {kwargs['authority']}: {e}") from e
    except ValueError as e:  # unknown tenant, malformed authority
        first = str(e).split(". ")[0]
        raise TokenRevoked(f"{where}: [oauth2] tenant: {first}") from e


def _call(where: str, ask: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return ask()
    except requests.RequestException as e:
        raise TokenError(f"{where}: token endpoint unreachable: {e}") from e


class MicrosoftAppOnly(Renewing):
    flow = "microsoft-app"
    hint = "check oauth2_client_secret and the app's admin consent"

    def __init__(self, mailbox: str, *, tenant: str, client_id: str, client_secret: str,
                 authority_host: str = "", clock: Callable[[], float] = time.time) -> None:
        super().__init__(mailbox, clock)
        self.authority, self._known = _authority(authority_host, tenant)
        self._client_id = client_id
        self._secret = client_secret
        self._msal: Any = None

    @property
    def where(self) -> str:
        return f"{self.flow} for {self.user}"

    def _renew(self, rejected: str | None) -> Token:
        if self._msal is None:
            self._msal = _app(
                msal.ConfidentialClientApplication, self.where, client_id=self._client_id,
                client_credential=self._secret, authority=self.authority,
                instance_discovery=self._known, token_cache=msal.TokenCache())
        self._msal.remove_tokens_for_client()  # when to renew is Renewing's call, not msal's
        answer = _call(self.where, lambda: self._msal.acquire_token_for_client(APP_SCOPES))
        return self._token_from(answer, "client credentials")


class MicrosoftDelegated(Stored):
    flow = "microsoft-delegated"

    def __init__(self, mailbox: str, store: TokenStore, *, tenant: str, client_id: str,
                 authority_host: str = "", clock: Callable[[], float] = time.time) -> None:
        super().__init__(mailbox, store, f"{self.flow}:{tenant}:{client_id}:{mailbox}", clock)
        self.authority, self._known = _authority(authority_host, tenant)
        self._client_id = client_id
        self._msal: Any = None

    @property
    def where(self) -> str:
        return f"{self.flow} for {self.user}"

    def _application(self) -> Any:
        if self._msal is None:
            self._msal = _app(msal.PublicClientApplication, self.where,
                              client_id=self._client_id, authority=self.authority,
                              instance_discovery=self._known, token_cache=msal.TokenCache())
        return self._msal

    def _refresh(self, refresh_token: str) -> tuple[Token, str | None, dict[str, Any]]:
        app = self._application()
        answer = _call(self.where, lambda: app.acquire_token_by_refresh_token(
            refresh_token, DELEGATED_SCOPES))
        token = self._token_from(answer, "refresh")
        return token, answer.get("refresh_token"), {}

    # -- `escalator auth login` ---------------------------------------------------
    def start_login(self) -> dict[str, Any]:
        """Device-code flow, step 1: the flow (its "message" tells the person what to do)."""
        flow: dict[str, Any] = _call(self.where, lambda: self._application()
                                     .initiate_device_flow(DELEGATED_SCOPES))
        if "user_code" not in flow:
            raise token_error(self.where, flow, "device code")
        flow.setdefault("message", f"To sign in, open {flow.get('verification_uri')} "
                                   f"and enter the code {flow['user_code']}.")
        return flow

    def finish_login(self, flow: dict[str, Any]) -> dict[str, Any]:
        """Step 2: wait for the person, then store the refresh token. Returns the id claims."""
        answer = _call(self.where,
                       lambda: self._application().acquire_token_by_device_flow(flow))
        token = self._token_from(answer, "device-code sign-in")
        if not answer.get("refresh_token"):
            raise TokenRevoked(f"{self.where}: no refresh token came back (is offline_access "
                               "allowed for the app registration?)")
        with self.store.locked(self.key) as slot:
            slot.save({"refresh_token": answer["refresh_token"],
                       "access_token": token.access_token, "expires_at": token.expires_at,
                       "issued_at": token.issued_at,
                       "account": _account(answer.get("id_token_claims") or {})})
        self._token = token
        claims: dict[str, Any] = answer.get("id_token_claims") or {}
        return claims


def _account(claims: dict[str, Any]) -> str:
    return str(claims.get("preferred_username") or claims.get("email") or "")
