"""msal against the loopback server: app-only (client credentials) and delegated (device code,
rotating refresh tokens kept in the store)."""

from __future__ import annotations

import threading

import pytest
from cryptography.fernet import Fernet

from escalator.db import Database
from escalator.tokenstore import DbTokenStore
from mailer.errors import TokenError, TokenRevoked
from mailer.tokens.microsoft import DELEGATED_SCOPES, MicrosoftAppOnly, MicrosoftDelegated
from tests.support.oauth_server import OAuthServer
from tests.tokens.conftest import Clock

SHARED = "support@contoso.com"
PERSON = "ops@contoso.com"


def app_only(oauth: OAuthServer, secret: str = "s3cret", clock: Clock | None = None
             ) -> MicrosoftAppOnly:
    oauth.add_client("app-1", "s3cret", "client_credentials", mailbox=SHARED)
    kwargs = {"clock": clock} if clock else {}
    return MicrosoftAppOnly(SHARED, tenant=oauth.tenant, client_id="app-1",
                            client_secret=secret, authority_host=oauth.base, **kwargs)


def test_app_only_token_is_for_the_shared_mailbox_and_cached(oauth: OAuthServer) -> None:
    source = app_only(oauth)
    token = source.access_token()
    assert oauth.active_user(token) == SHARED
    assert source.user == SHARED  # the XOAUTH2 user is the shared mailbox
    assert source.access_token() == token
    assert len(oauth.grants("client_credentials")) == 1


def test_app_only_renews_before_expiry_not_after(oauth: OAuthServer) -> None:
    clock = Clock()
    source = app_only(oauth, clock=clock)
    first = source.access_token()
    clock.advance(3600 - 301)  # still more than the 5-minute margin left
    assert source.access_token() == first
    clock.advance(2)  # inside the margin: renewed while the old one still works
    second = source.access_token()
    assert second != first and oauth.active_user(first) == SHARED
    assert len(oauth.grants("client_credentials")) == 2


def test_app_only_refused_token_is_renewed_once(oauth: OAuthServer) -> None:
    source = app_only(oauth)
    first = source.access_token()
    oauth.expire_access_tokens()
    second = source.access_token(rejected=first)
    assert second != first and oauth.active_user(second) == SHARED
    assert len(oauth.grants("client_credentials")) == 2


def test_app_only_wrong_secret_is_one_line_naming_the_fix(oauth: OAuthServer) -> None:
    with pytest.raises(TokenRevoked) as caught:
        app_only(oauth, secret="wrong").access_token()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"microsoft-app for {SHARED}: client credentials refused: "
                              "invalid_client")
    assert "oauth2_client_secret" in message


def test_unknown_tenant_is_a_clear_error(oauth: OAuthServer) -> None:
    oauth.add_client("app-1", "s3cret", "client_credentials", mailbox=SHARED)
    source = MicrosoftAppOnly(SHARED, tenant="fabrikam", client_id="app-1",
                              client_secret="s3cret", authority_host=oauth.base)
    with pytest.raises(TokenRevoked, match="tenant"):
        source.access_token()


def test_token_endpoint_away_is_temporary(oauth: OAuthServer) -> None:
    source = app_only(oauth)
    source.access_token()
    oauth.stop()
    with pytest.raises(TokenError) as caught:
        source.access_token(rejected=source.access_token())
    assert not isinstance(caught.value, TokenRevoked)
    assert "token endpoint unreachable" in str(caught.value)


# -- delegated ---------------------------------------------------------------------------
def delegated(oauth: OAuthServer, store: DbTokenStore, clock: Clock | None = None
              ) -> MicrosoftDelegated:
    kwargs = {"clock": clock} if clock else {}
    return MicrosoftDelegated(SHARED, store, tenant=oauth.tenant, client_id="public-1",
                              authority_host=oauth.base, **kwargs)


def sign_in(oauth: OAuthServer, store: DbTokenStore) -> MicrosoftDelegated:
    """The device-code flow, with the person's approval given at the server."""
    oauth.add_client("public-1", None, "urn:ietf:params:oauth:grant-type:device_code",
                     "refresh_token")
    oauth.add_user(PERSON)
    source = delegated(oauth, store)
    flow = source.start_login()
    assert flow["user_code"] in flow["message"]
    oauth.approve(flow["user_code"], PERSON)
    source.finish_login(flow)
    return source


def test_device_code_sign_in_stores_the_refresh_token(oauth: OAuthServer,
                                                      store: DbTokenStore) -> None:
    source = sign_in(oauth, store)
    [device] = oauth.grants("urn:ietf:params:oauth:grant-type:device_code")
    assert set(device.scope.split()) >= set(DELEGATED_SCOPES) | {"offline_access"}
    stored = store.read(source.key).data
    assert stored is not None and stored["refresh_token"] == device.refresh_token
    assert oauth.active_user(source.access_token()) == PERSON
    assert len(oauth.grants("refresh_token")) == 0  # the sign-in's token is still good


def test_rotated_refresh_token_is_stored_and_survives_a_restart(
        oauth: OAuthServer, store: DbTokenStore, database_url: str, store_key: Fernet) -> None:
    source = sign_in(oauth, store)
    first_rt = store.read(source.key).data["refresh_token"]  # type: ignore[index]
    oauth.expire_access_tokens()
    source.access_token(rejected=source.access_token())
    second_rt = store.read(source.key).data["refresh_token"]  # type: ignore[index]
    assert second_rt != first_rt  # rotated, and saved at once

    # a restart: a new process, a new store on the same database, nothing in memory
    db = Database(database_url)
    try:
        restarted = delegated(oauth, DbTokenStore(db, store_key))
        oauth.expire_access_tokens()
        token = restarted.access_token(rejected=source.access_token())
        assert oauth.active_user(token) == PERSON
        [*_, last] = oauth.grants("refresh_token")
        assert last.refresh_token == store.read(source.key).data["refresh_token"]  # type: ignore[index]
    finally:
        db.dispose()


def test_refresh_happens_before_expiry(oauth: OAuthServer, store: DbTokenStore) -> None:
    sign_in(oauth, store)
    clock = Clock()
    source = delegated(oauth, store, clock)
    first = source.access_token()
    assert len(oauth.grants("refresh_token")) == 0
    clock.advance(3600 - 240)  # 4 minutes left: renew now, while `first` still works
    second = source.access_token()
    assert second != first and oauth.active_user(first) == PERSON
    assert len(oauth.grants("refresh_token")) == 1


def test_revoked_refresh_token_is_one_line_and_recorded_once(
        oauth: OAuthServer, store: DbTokenStore) -> None:
    source = sign_in(oauth, store)
    oauth.revoke(PERSON)  # a password reset
    with pytest.raises(TokenRevoked) as caught:
        source.access_token(rejected=source.access_token())
    message = str(caught.value)
    assert "\n" not in message and "invalid_grant" in message
    assert message.endswith("(sign in again: escalator auth login)")
    stored = store.read(source.key)
    assert stored.error == message and stored.error_at is not None
    asked = len(oauth.grants("refresh_token"))
    with pytest.raises(TokenRevoked):
        delegated(oauth, store).access_token()  # another process: the provider is not asked
    assert len(oauth.grants("refresh_token")) == asked


def test_no_sign_in_yet_says_what_to_run(oauth: OAuthServer, store: DbTokenStore) -> None:
    with pytest.raises(TokenRevoked, match="nobody has signed in yet.*escalator auth login"):
        delegated(oauth, store).access_token()


def test_two_instances_refresh_once(oauth: OAuthServer, store: DbTokenStore,
                                    database_url: str, store_key: Fernet) -> None:
    """Each instance has its own connection; one refreshes, the other reads what it stored."""
    signed_in = sign_in(oauth, store)
    expired = signed_in.access_token()
    oauth.expire_access_tokens()
    databases = [Database(database_url) for _ in range(2)]
    instances = [delegated(oauth, DbTokenStore(db, store_key)) for db in databases]
    tokens: list[str] = []
    errors: list[Exception] = []
    start = threading.Barrier(2)

    def renew(source: MicrosoftDelegated) -> None:
        start.wait()
        try:
            tokens.append(source.access_token(rejected=expired))
        except Exception as e:  # collected: the test fails on it below
            errors.append(e)

    threads = [threading.Thread(target=renew, args=(i,)) for i in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for db in databases:
        db.dispose()
    assert errors == []
    assert len(oauth.grants("refresh_token")) == 1
    assert tokens[0] == tokens[1] and oauth.active_user(tokens[0]) == PERSON
