"""IMAP and SMTP with OAuth2 bearer tokens against real servers that check them: Dovecot
(oauth2 passdb, introspection) and aiosmtpd (XOAUTH2), both asking the loopback server."""

from __future__ import annotations

import pytest

from mailer.errors import MailboxError, TemporaryDeliveryError, TokenRevoked
from mailer.imap import Mailbox
from mailer.message import OutgoingMessage, build_message
from mailer.smtp import SmtpSender
from mailer.tokens import StaticToken
from mailer.tokens.microsoft import MicrosoftAppOnly
from tests.support.dovecot import Dovecot
from tests.support.oauth_server import OAuthServer
from tests.support.smtp_server import SmtpServer

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")]


def app_only(oauth: OAuthServer, mailbox: str) -> MicrosoftAppOnly:
    oauth.add_client("app-1", "s3cret", "client_credentials", mailbox=mailbox)
    return MicrosoftAppOnly(mailbox, tenant=oauth.tenant, client_id="app-1",
                            client_secret="s3cret", authority_host=oauth.base)


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_imap_logs_in_with_a_checked_token(oauth: OAuthServer, oauth_dovecot: Dovecot,
                                           mechanism: str) -> None:
    account = oauth_dovecot.add_user()
    tokens = app_only(oauth, account.user)
    settings = account.settings(password="", oauth2_mechanism=mechanism)
    with Mailbox(settings, tokens=tokens) as mailbox:
        assert mailbox.undeleted_uids() == []
    assert "Escalator/Processed" in account.folders()


def test_imap_token_for_another_mailbox_is_refused(oauth: OAuthServer,
                                                   oauth_dovecot: Dovecot) -> None:
    mine, other = oauth_dovecot.add_user(), oauth_dovecot.add_user()
    token = app_only(oauth, other.user).access_token()
    with pytest.raises(Exception, match="login refused"):
        Mailbox(mine.settings(password=""), tokens=StaticToken(mine.user, token)).open()


def test_imap_expired_token_is_renewed_once_and_login_goes_on(
        oauth: OAuthServer, oauth_dovecot: Dovecot) -> None:
    account = oauth_dovecot.add_user()
    tokens = app_only(oauth, account.user)
    stale = tokens.access_token()
    oauth.expire_access_tokens()  # the server says so; our cache still thinks it is good
    with Mailbox(account.settings(password=""), tokens=tokens) as mailbox:
        assert mailbox.uidvalidity
    assert tokens.access_token() != stale
    assert len(oauth.grants("client_credentials")) == 2


def test_imap_revoked_grant_is_a_token_error(oauth: OAuthServer,
                                             oauth_dovecot: Dovecot) -> None:
    account = oauth_dovecot.add_user()
    tokens = app_only(oauth, account.user)
    tokens.access_token()
    oauth.expire_access_tokens()
    oauth.state.clients["app-1"].secret = "rotated-by-an-admin"
    with pytest.raises(TokenRevoked, match="client credentials refused: invalid_client"):
        Mailbox(account.settings(password=""), tokens=tokens).open()


def _message() -> OutgoingMessage:
    return build_message(from_addr="escalations@example.com", to=["ops@example.com"],
                         subject="[ESC-1] test", text="hello\n", html=None,
                         message_id="<esc-1@example.com>")


def test_smtp_sends_with_xoauth2_and_renews_a_refused_token(
        oauth: OAuthServer, oauth_smtp_server: SmtpServer) -> None:
    tokens = app_only(oauth, "escalations@example.com")
    stale = tokens.access_token()
    oauth.expire_access_tokens()
    settings = oauth_smtp_server.settings(username="escalations@example.com")
    with SmtpSender(settings, tokens=tokens) as sender:
        result = sender.send(_message(), ["ops@example.com"])
    assert result.accepted == ["ops@example.com"]
    assert [ok for _, _, ok in oauth_smtp_server.auths] == [False, True]
    assert oauth_smtp_server.auths[0][1] == stale


def test_smtp_without_a_token_keeps_the_message_for_later(
        oauth: OAuthServer, oauth_smtp_server: SmtpServer) -> None:
    tokens = app_only(oauth, "escalations@example.com")
    oauth.state.clients["app-1"].secret = "rotated-by-an-admin"
    settings = oauth_smtp_server.settings(username="escalations@example.com")
    with pytest.raises(TemporaryDeliveryError, match="invalid_client"):
        SmtpSender(settings, tokens=tokens).open()
    assert oauth_smtp_server.messages == []


def test_connected_but_no_such_folder_names_the_oauth2_user(
        oauth: OAuthServer, oauth_dovecot: Dovecot) -> None:
    account = oauth_dovecot.add_user()
    tokens = app_only(oauth, account.user)
    settings = account.settings(password="", folder="Shared/Escalations")
    with pytest.raises(MailboxError) as caught:
        Mailbox(settings, tokens=tokens).open()
    assert f"logged in with OAuth2 as {account.user}: for a shared mailbox" in str(caught.value)
