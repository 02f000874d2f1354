"""The outbox's channels beside mailer/: one transport each, one `send` (channels/base.py).

    email     mailer/ over SMTP (channels/email.py adapts it)
    webhook   signed JSON to [webhooks.NAME] url (channels/webhook.py)
    slack     Block Kit to a team's or category's incoming webhook (channels/slack.py)
    teams     an Adaptive Card to a Microsoft Teams incoming webhook (channels/teams.py)

A chat channel is one module with a `render(ChatMessage) -> str` and one line in CHAT:
its config key (`NAME_webhook` in [teams.*]/[categories.*]), its transport, its rendering
and its ordered delivery all follow from that line.
"""

from collections.abc import Callable

from channels import slack, teams
from channels.base import Gone, Outgoing, Transport, Unavailable
from channels.chat import ChatMessage, ChatTransport
from channels.email import EmailTransport
from channels.webhook import WebhookTarget, WebhookTransport

CHAT: dict[str, Callable[[ChatMessage], str]] = {"slack": slack.render, "teams": teams.render}
CHANNELS = ("email", "webhook", *CHAT)
ORDERED = ("webhook", *CHAT)  # delivered in order per escalation and address

__all__ = [
    "CHANNELS", "CHAT", "ChatMessage", "ChatTransport", "EmailTransport", "Gone", "ORDERED",
    "Outgoing", "Transport", "Unavailable", "WebhookTarget", "WebhookTransport",
]
