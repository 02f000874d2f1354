"""Email as a channel: the outbox row built into a MIME message and handed to mailer/.

mailer/ stays the email transport (SMTP, one connection per batch); this adapter only
builds the message and translates its answers: an address that does not parse is
permanent, SmtpUnavailable (no answer from the server) stops the channel's batch.
"""

from __future__ import annotations

from email.headerregistry import Address
from typing import Self

from channels.base import Outgoing, Unavailable
from mailer.errors import PermanentDeliveryError
from mailer.message import build_message
from mailer.smtp import MailSender, SmtpUnavailable

__all__ = ["EmailTransport"]


class EmailTransport:
    def __init__(self, sender: MailSender, mailbox: Address, reply_to: str) -> None:
        self.sender, self.mailbox, self.reply_to = sender, mailbox, reply_to

    def __enter__(self) -> Self:
        self.sender.__enter__()  # TemporaryDeliveryError: the whole batch waits
        return self

    def __exit__(self, *exc: object) -> None:
        self.sender.__exit__(None, None, None)

    def send(self, message: Outgoing) -> dict[str, str]:
        try:
            msg = build_message(
                from_addr=self.mailbox, to=list(message.to), cc=list(message.cc),
                subject=message.subject, text=message.text, html=message.html,
                message_id=message.message_id, in_reply_to=message.in_reply_to,
                references=list(message.references), reply_to=self.reply_to)
        except ValueError as e:  # an address that does not parse: no retry will help
            raise PermanentDeliveryError(f"not sent: {e}") from e
        try:
            result = self.sender.send(msg, list(message.envelope or (*message.to, *message.cc)))
        except SmtpUnavailable as e:
            raise Unavailable(str(e), whole_channel=True) from e
        return {a: f"{code} {text}" for a, (code, text) in result.refused.items()}
