"""What every channel's transport implements, and what it may raise.

A transport delivers one outbox row, as an `Outgoing`, with one method (GoAlert's
`SendMessage`; httpx's transports): `send(message)` returns the addresses that refused
(address -> reason; empty when all took it) or raises:

    TemporaryDeliveryError      try the same message again later (4xx, 429, 5xx, timeout)
    ├── Unavailable             the destination is away (no connection): the rest of the
    │                           batch for the same destination waits too
    PermanentDeliveryError      this message will never be taken
    └── Gone                    the destination is gone for good (HTTP 410): disable it

The lease, the retry and backoff, the exactly-once marking and the failure events are not
a transport's business: escalator/service/delivery.py does them once for every channel.
A transport opens its connection in `__enter__` and closes it in `__exit__` (one per batch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Self

from mailer.errors import PermanentDeliveryError, TemporaryDeliveryError

__all__ = ["Gone", "Outgoing", "Transport", "Unavailable"]


class Unavailable(TemporaryDeliveryError):
    """No connection to the destination; `whole_channel`: every address of the channel is
    behind it (the one SMTP server), else only this message's address (one receiver)."""

    def __init__(self, message: str, whole_channel: bool = False) -> None:
        super().__init__(message)
        self.whole_channel = whole_channel


class Gone(PermanentDeliveryError):
    """The receiver said it will never take anything again (HTTP 410 Gone)."""


@dataclass(frozen=True)
class Outgoing:
    """One outbox row as a transport sees it. Email uses the mail fields; the other
    channels post `payload` (the exact bytes signed and sent) to `address`."""

    channel: str
    address: str  # email: the first To; webhook: the [webhooks.NAME]; chat: "team:NAME"
    kind: str
    message_id: str  # email: the Message-ID; webhooks: the webhook-id (the same on retries)
    payload: str = ""
    subject: str = ""
    text: str = ""
    html: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    envelope: tuple[str, ...] = ()  # email: who it is delivered to (To + Cc, or one copy's)
    in_reply_to: str | None = None
    references: tuple[str, ...] = field(default_factory=tuple)


class Transport(Protocol):
    """One channel's sender: `with transport: transport.send(message)`, many times."""

    def send(self, message: Outgoing) -> dict[str, str]:
        """Deliver `message`; return the addresses that refused it (address -> reason)."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...
