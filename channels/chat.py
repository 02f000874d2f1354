"""Chat incoming webhooks (Slack, Microsoft Teams): a message in plain parts, and the
transport both use. The URL of an incoming webhook is its secret: it is read from the
config at send time, never stored in the outbox, never written to a log or an error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

import httpx

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


class ChatTransport:
    """POSTs a row's payload to the incoming webhook its address ("team:NAME") names."""

    def __init__(self, channel: str, urls: Mapping[str, str], timeout: float = 10.0) -> None:
        self.channel, self.urls, self.timeout = channel, dict(urls), timeout
        self._http: httpx.Client | None = None

    def __enter__(self) -> Self:
        self._http = http.client(self.timeout)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def send(self, message: Outgoing) -> dict[str, str]:
        url = self.urls.get(message.address)
        where = f"{self.channel} {message.address}"
        if url is None:
            raise PermanentDeliveryError(f"{where}: no longer configured")
        assert self._http is not None, "use the transport in a with block"
        http.post(self._http, where, url, message.payload)
        return {}
