"""Mail servers that take OAuth2 bearer tokens, checked against the loopback OAuth2 server.

    oauth_dovecot(oauth)   a real Dovecot whose oauth2 passdb (XOAUTH2 and OAUTHBEARER)
                           asks the server's RFC 7662 introspection endpoint, over HTTPS,
                           whether a token is active and whose it is
    oauth_smtp(oauth)      a real aiosmtpd with AUTH XOAUTH2, asking the same server
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.support.dovecot import Dovecot
from tests.support.oauth_server import OAuthServer
from tests.support.smtp_server import SmtpServer

INTROSPECTOR = ("dovecot", "introspection-secret")

_PASSDB = """
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {args}
}}
"""


def oauth_dovecot(oauth: OAuthServer) -> Dovecot:
    """Not started: `with oauth_dovecot(oauth) as dovecot:`."""
    oauth.add_client(INTROSPECTOR[0], INTROSPECTOR[1], "introspection")
    folder = Path(tempfile.mkdtemp(prefix="dc-oauth-", dir="/tmp"))
    folder.chmod(0o755)  # Dovecot's auth process (not root) reads the file and the CA
    host = oauth.base.removeprefix("https://")
    args = folder / "oauth2.conf.ext"
    args.write_text(
        f"introspection_mode = post\n"
        f"introspection_url = https://{INTROSPECTOR[0]}:{INTROSPECTOR[1]}@{host}/introspect\n"
        "username_attribute = username\n"
        "active_attribute = active\n"
        "active_value = true\n"
        "force_introspection = yes\n"
        f"tls_ca_cert_file = {oauth.ca_file}\n"
    )
    args.chmod(0o644)
    return Dovecot(extra_config=_PASSDB.format(args=args))


def oauth_smtp(oauth: OAuthServer) -> SmtpServer:
    return SmtpServer(xoauth2=lambda user, token: oauth.active_user(token) == user)
