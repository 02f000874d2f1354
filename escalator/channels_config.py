"""The channel tables of config.toml, read apart from config.py, and the transports they make.

    [webhooks.NAME]   url, secret (or ESCALATOR_WEBHOOK_SECRET_NAME), events = [...]
                      (default: every event type), timeout_seconds
    [teams.NAME]      slack_webhook, teams_webhook: new escalations, breaches and status
    [categories.NAME] changes of the team's (or the category's) escalations, to a channel

A URL must be https:// (http:// only to this machine). Each problem is one line naming the
file and the key, as config.py's.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from channels import CHAT
from channels.webhook import WebhookTarget
from escalator.config_keys import Fail, check_keys

if TYPE_CHECKING:
    from channels.base import Transport
    from escalator.settings import Settings
    from mailer.smtp import MailSender

__all__ = ["CHAT_EVENTS", "EVENT_TYPES", "ChannelSettings", "ChatRoute", "Subscription",
           "split", "transports"]

# what a webhook can subscribe to (docs/webhooks.md); chat hears the CHAT_EVENTS
EVENT_TYPES = ("opened", "acknowledged", "status", "severity", "owner", "breach", "warning",
               "note", "done", "review")
CHAT_EVENTS = ("opened", "breach", "status", "done")
_WEBHOOK_KEYS = {"url", "secret", "events", "timeout_seconds"}
_LOCAL = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class Subscription:
    name: str
    target: WebhookTarget
    events: frozenset[str]


@dataclass(frozen=True)
class ChatRoute:
    channel: str  # slack | teams
    address: str  # "team:NAME" | "category:NAME"
    url: str


@dataclass(frozen=True)
class ChannelSettings:
    webhooks: dict[str, Subscription] = field(default_factory=dict)
    chat: tuple[ChatRoute, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.webhooks or self.chat)

    def urls(self, channel: str) -> dict[str, str]:
        """address -> URL of every destination of `channel` (webhook: its name)."""
        if channel == "webhook":
            return {name: s.target.url for name, s in self.webhooks.items()}
        return {r.address: r.url for r in self.chat if r.channel == channel}




def split(data: Mapping[str, Any], env: Mapping[str, str],
          fail: Fail) -> tuple[dict[str, Any], ChannelSettings]:
    """The config without its channel keys (for config.py to read as before), and them."""
    rest = dict(data)
    webhooks = _webhooks(rest.pop("webhooks", {}), env, fail)
    chat: list[ChatRoute] = []
    for table in ("teams", "categories"):
        if not isinstance(rest.get(table, {}), dict):
            continue  # config.py says "must be a table"
        rest[table] = dict(rest.get(table, {}))
        for name, sub in rest[table].items():
            if not isinstance(sub, dict):
                continue
            sub = rest[table][name] = dict(sub)
            for channel in CHAT:  # slack_webhook, teams_webhook, ...
                key = f"{channel}_webhook"
                if key in sub:
                    url = _url(sub.pop(key), f"[{table}.{name}] {key}", fail)
                    kind = "team" if table == "teams" else "category"
                    chat.append(ChatRoute(channel, f"{kind}:{name.lower()}", url))
    return rest, ChannelSettings(webhooks, tuple(chat))


def _webhooks(table: Any, env: Mapping[str, str], fail: Fail) -> dict[str, Subscription]:
    if not isinstance(table, dict):
        raise fail("[webhooks]", "must be a table of [webhooks.NAME] tables")
    found: dict[str, Subscription] = {}
    for name, sub in table.items():
        where = f"[webhooks.{name}]"
        if not isinstance(sub, dict):
            raise fail(where, "must be a table (url, secret, events)")
        check_keys(sub, where, _WEBHOOK_KEYS, fail)
        if "url" not in sub:
            raise fail(f"{where} url", "missing (where to POST the events)")
        url = _url(sub["url"], f"{where} url", fail)
        secret = env.get(f"ESCALATOR_WEBHOOK_SECRET_{name.upper().replace('-', '_')}",
                         sub.get("secret", ""))
        _secret(secret, f"{where} secret", fail)
        events = sub.get("events", list(EVENT_TYPES))
        if not isinstance(events, list) or not events or not all(
                isinstance(e, str) and e in EVENT_TYPES for e in events):
            raise fail(f"{where} events",
                       f"must be a list of event types ({', '.join(EVENT_TYPES)})")
        timeout = sub.get("timeout_seconds", 10)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (
                0.1 <= timeout <= 300):
            raise fail(f"{where} timeout_seconds", "must be a number of seconds (0.1-300)")
        found[name] = Subscription(name, WebhookTarget(url, secret, float(timeout)),
                                   frozenset(events))
    return found


def _url(value: Any, where: str, fail: Fail) -> str:
    if not isinstance(value, str):
        raise fail(where, "must be a URL")
    parts = urlsplit(value.strip())
    local = parts.scheme == "http" and (parts.hostname or "") in _LOCAL
    if not parts.hostname or not (parts.scheme == "https" or local):
        raise fail(where, "must be an https:// URL (http:// only to localhost)")
    return value.strip()


def _secret(secret: Any, where: str, fail: Fail) -> None:
    if not isinstance(secret, str) or len(secret) < 16:
        raise fail(where, "missing or shorter than 16 characters (receivers check the "
                          "signature with it; whsec_<base64> is the Standard Webhooks form)")
    if secret.startswith("whsec_"):
        try:
            base64.b64decode(secret[6:] + "==", validate=False)
        except (binascii.Error, ValueError):
            raise fail(where, "whsec_ must be followed by base64") from None


def transports(settings: Settings, email: Callable[[], MailSender]
               ) -> dict[str, Callable[[], Transport]]:
    """channel -> a maker of its transport, each with its own small settings: where the
    application composes them (delivery calls one maker per channel and batch)."""
    from email.headerregistry import Address

    from channels import EmailTransport, WebhookTransport

    smtp = settings.smtp
    mailbox = Address(smtp.from_name, addr_spec=smtp.from_address)
    config = settings.channels
    targets = {name: s.target for name, s in config.webhooks.items()}
    return {
        "email": lambda: EmailTransport(email(), mailbox, smtp.from_address),
        "webhook": lambda: WebhookTransport(targets),
        **{name: _chat(name, config.urls(name)) for name in CHAT},
    }


def _chat(channel: str, urls: dict[str, str]) -> Callable[[], Transport]:
    from channels import ChatTransport

    return lambda: ChatTransport(channel, urls)
