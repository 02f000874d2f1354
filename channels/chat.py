"""Chat incoming webhooks (Slack, Microsoft Teams): a message in plain parts, and the
transport both use. The URL of an incoming webhook is its secret: it is read from the
config at send time, never stored in the outbox, never written to a log or an error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from channels import http
from channels.base import Outgoing
from mailer.errors import PermanentDeliveryError

__all__ = ["ChatMessage", "ChatTransport"]


@dataclass(frozen=True)
class ChatMessage:
    """What a chat message says, before a channel lays it out."""

    title: str  # one line: "ESC-12 opened: Acme Corp – SSO outage"
    text: str  # a few plain lines
    facts: tuple[tuple[str, str], ...] = ()  # (label, value): Severity 1, Owner ...
    links: tuple[tuple[str, str], ...] = ()  # (label, https URL): the dashboard, actions


class ChatTransport(http.HttpTransport):
    """POSTs a row's payload to the incoming webhook its address ("team:NAME") names."""

    def __init__(self, channel: str, urls: Mapping[str, str], timeout: float = 10.0) -> None:
        self.channel, self.urls, self.timeout = channel, dict(urls), timeout

    def send(self, message: Outgoing) -> dict[str, str]:
        url = self.urls.get(message.address)
        where = f"{self.channel} {message.address}"
        if url is None:
            raise PermanentDeliveryError(f"{where}: no longer configured")
        http.post(self.http, where, url, message.payload)
        return {}
