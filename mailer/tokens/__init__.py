"""OAuth2 access tokens for the mail edges: one interface, one small module per provider.

    base.py       TokenSource (what IMAP and SMTP ask), Renewing and Stored (the caching and
                  the refresh under a store's lock), TokenStore (where refresh tokens live)
    static.py     a fixed token
    microsoft.py  Microsoft 365 with msal: app-only (client credentials), delegated (device code)
    google.py     Google Workspace with google-auth: service account, installed-app refresh token

The provider modules import their libraries; import them only when their flow is used.
"""

from mailer.tokens.base import Renewing, Stored, Token, TokenSource, TokenStore
from mailer.tokens.static import StaticToken

__all__ = ["Renewing", "StaticToken", "Stored", "Token", "TokenSource", "TokenStore"]
