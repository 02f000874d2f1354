"""google-auth against the loopback server: a service account with domain-wide delegation
(the key made here, the token_uri read from the key file) and an installed-app refresh token."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from escalator.tokenstore import DbTokenStore
from mailer.errors import TokenRevoked
from mailer.tokens.google import SCOPES, GoogleInstalledApp, GoogleServiceAccount
from tests.support.oauth_server import OAuthServer
from tests.tokens.conftest import Clock

MAILBOX = "escalations@acme.test"
ROBOT = "escalator@acme-project.iam.gserviceaccount.test"


def key_file(oauth: OAuthServer, tmp_path: Path, *subjects: str) -> str:
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(oauth.service_account(ROBOT, *subjects)))
    return str(path)


def test_service_account_acts_as_the_mailbox(oauth: OAuthServer, tmp_path: Path) -> None:
    oauth.add_user(MAILBOX)
    source = GoogleServiceAccount(MAILBOX, key_file(oauth, tmp_path, MAILBOX))
    token = source.access_token()
    assert oauth.active_user(token) == MAILBOX  # the subject, signed for by the key
    assert source.access_token() == token
    [grant] = oauth.grants("urn:ietf:params:oauth:grant-type:jwt-bearer")
    assert grant.client_id == ROBOT


def test_service_account_renews_before_expiry(oauth: OAuthServer, tmp_path: Path) -> None:
    oauth.add_user(MAILBOX)
    clock = Clock()
    source = GoogleServiceAccount(MAILBOX, key_file(oauth, tmp_path, MAILBOX), clock)
    first = source.access_token()
    clock.advance(3600 - 120)
    second = source.access_token()
    assert second != first and oauth.active_user(first) == MAILBOX
    assert len(oauth.grants("urn:ietf:params:oauth:grant-type:jwt-bearer")) == 2


def test_no_domain_wide_delegation_is_one_clear_line(oauth: OAuthServer,
                                                     tmp_path: Path) -> None:
    oauth.add_user(MAILBOX)
    source = GoogleServiceAccount(MAILBOX, key_file(oauth, tmp_path))  # delegated to nobody
    with pytest.raises(TokenRevoked) as caught:
        source.access_token()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"google-service-account for {MAILBOX}: service account "
                              "assertion refused: invalid_client")
    assert "domain-wide delegation" in message


def installed(oauth: OAuthServer, store: DbTokenStore, clock: Clock | None = None
              ) -> GoogleInstalledApp:
    oauth.add_client("desktop-1", "desktop-secret", "refresh_token")
    return GoogleInstalledApp(MAILBOX, store, client_id="desktop-1",
                              client_secret="desktop-secret", token_uri=oauth.token_uri,
                              clock=clock or time.time)


def test_installed_app_refresh_token_is_stored_and_rotations_kept(
        oauth: OAuthServer, store: DbTokenStore) -> None:
    source = installed(oauth, store)
    consent = oauth.grant_refresh_token("desktop-1", MAILBOX, " ".join(SCOPES))
    source.store_refresh_token(consent)
    assert oauth.active_user(source.access_token()) == MAILBOX
    after_login = store.read(source.key).data
    assert after_login is not None and after_login["refresh_token"] != consent  # rotated

    clock = Clock()
    restarted = installed(oauth, store, clock)  # a new process
    clock.advance(3600 - 60)
    token = restarted.access_token()
    assert oauth.active_user(token) == MAILBOX
    [*_, last] = oauth.grants("refresh_token")
    assert last.access_token == token
    assert store.read(source.key).data["refresh_token"] == last.refresh_token  # type: ignore[index]


def test_installed_app_revoked_consent(oauth: OAuthServer, store: DbTokenStore) -> None:
    source = installed(oauth, store)
    source.store_refresh_token(oauth.grant_refresh_token("desktop-1", MAILBOX, SCOPES[0]))
    oauth.revoke(MAILBOX)
    with pytest.raises(TokenRevoked, match=r"refresh refused: invalid_grant.*auth login\)$"):
        source.access_token(rejected=source.access_token())
    assert "invalid_grant" in store.read(source.key).error
