"""The mail edges: bytes in from IMAP or SMTP intake, EmailMessages out over SMTP.

Nothing here knows about escalations, the database or the parser: the caller hands in a
`handle(raw, size) -> Outcome` (or a `Batch` of them) and gets messages moved or answered
accordingly.
"""

from mailer.errors import (
    DeliveryError,
    MailboxError,
    MailboxUnavailable,
    MailerError,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    TokenError,
    TokenRevoked,
)
from mailer.imap import Mailbox, wait_for_mail
from mailer.message import build_message
from mailer.outcome import Batch, Handler, Outcome
from mailer.poll import PollStats, poll_once, serve
from mailer.smtp import CaptureSender, MailSender, SendResult, SmtpSender
from mailer.smtp_intake import SmtpIntake, start_smtp_intake

__all__ = [
    "Batch",
    "CaptureSender",
    "DeliveryError",
    "Handler",
    "Mailbox",
    "MailboxError",
    "MailboxUnavailable",
    "MailerError",
    "MailSender",
    "Outcome",
    "PermanentDeliveryError",
    "PollStats",
    "SendResult",
    "SmtpIntake",
    "SmtpSender",
    "TemporaryDeliveryError",
    "TokenError",
    "TokenRevoked",
    "build_message",
    "poll_once",
    "serve",
    "start_smtp_intake",
    "wait_for_mail",
]
