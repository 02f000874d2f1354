"""Signed webhooks in the Standard Webhooks style (https://www.standardwebhooks.com).

Each POST carries `webhook-id` (the outbox row's id for the message, the same on every
retry: receivers drop a second copy by it), `webhook-timestamp` (seconds, the time of this
attempt: receivers reject old ones, so a replay fails) and `webhook-signature`
("v1," + base64 HMAC-SHA256 of "id.timestamp.body" with the secret). Signing is the
`standardwebhooks` package's; a secret "whsec_<base64>" is its own form, any other string
is used as the key's bytes (docs/webhooks.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from channels import http
from channels.base import Outgoing
from mailer.errors import PermanentDeliveryError

__all__ = ["WebhookTarget", "WebhookTransport", "key", "payload", "sign"]


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str
    timeout_seconds: float = 10.0


def key(secret: str) -> bytes | str:
    """What standardwebhooks.Webhook takes: its own whsec_ form, else the raw bytes."""
    return secret if secret.startswith("whsec_") else secret.encode("utf-8")


def sign(secret: str, message_id: str, at: datetime, body: str) -> str:
    return Webhook(key(secret)).sign(message_id, at, body)


def headers(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": sign(secret, message_id, at, body)}


def payload(event_type: str, at: datetime, data: Mapping[str, Any]) -> str:
    """The body: {"type": "escalation.<event>", "timestamp": ISO 8601 UTC, "data": ...}."""
    return json.dumps({"type": f"escalation.{event_type}", "timestamp": _iso(at),
                       "data": data}, ensure_ascii=False, separators=(",", ":"),
                      default=_json)


def _iso(at: datetime) -> str:
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat().replace("+00:00", "Z")


def _json(value: object) -> str:
    if isinstance(value, datetime):
        return _iso(value)
    raise TypeError(type(value).__name__)


class WebhookTransport(http.HttpTransport):
    """POSTs to the [webhooks.NAME] the row names; one httpx client per batch."""

    def __init__(self, targets: Mapping[str, WebhookTarget]) -> None:
        self.targets = dict(targets)
        self.timeout = max((t.timeout_seconds for t in self.targets.values()), default=10.0)

    def send(self, message: Outgoing) -> dict[str, str]:
        target = self.targets.get(message.address)
        if target is None:
            raise PermanentDeliveryError(f"webhook {message.address}: no longer configured "
                                         "([webhooks] in the config)")
        at = datetime.fromtimestamp(int(time.time()), UTC)
        http.post(self.http, f"webhook {message.address}", target.url, message.payload,
                  headers(target.secret, message.message_id, at, message.payload))
        return {}
