"""What the mail edges raise. Only the CLI turns these into a line and an exit code.

    EscalatorError                   (escalator.errors)
    └── MailerError
        ├── MailboxError             IMAP: login refused, folder cannot be created or selected
        │   └── MailboxUnavailable   IMAP: connection refused, dropped or timed out (retry)
        └── DeliveryError            SMTP
            ├── TemporaryDeliveryError   4xx, connection refused, timeout, disconnect (retry)
            └── PermanentDeliveryError   5xx for the message or for every recipient
        └── TokenError           OAuth2: no access token now (token endpoint away: retry)
            └── TokenRevoked     the grant is gone for good: a person must sign in again
"""

from __future__ import annotations

from escalator.errors import EscalatorError


class MailerError(EscalatorError):
    """A mail server could not be used as asked."""


class MailboxError(MailerError):
    """The IMAP mailbox refused us (login, folders); retrying will not help by itself."""


class MailboxUnavailable(MailboxError):
    """The IMAP server cannot be reached or dropped the connection; try again later."""


class DeliveryError(MailerError):
    """An SMTP send failed; `refused` holds per-recipient (code, text) where known."""

    def __init__(self, message: str, refused: dict[str, tuple[int, str]] | None = None) -> None:
        super().__init__(message)
        self.refused: dict[str, tuple[int, str]] = dict(refused or {})


class TemporaryDeliveryError(DeliveryError):
    """Try the same message again later."""


class PermanentDeliveryError(DeliveryError):
    """The server will not take this message (or none of its recipients)."""


class TokenError(MailerError):
    """An OAuth2 token source cannot give an access token now; try again later."""


class TokenRevoked(TokenError):
    """Refused for good (invalid_grant, consent revoked, no sign-in): run `escalator auth login`."""
