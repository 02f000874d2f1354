"""The outbox's channels beside mailer/: one transport each, one `send` (channels/base.py).

    email     mailer/ over SMTP (channels/email.py adapts it)
    webhook   signed JSON to [webhooks.NAME] url (channels/webhook.py)
    slack     Block Kit to a team's or category's incoming webhook (channels/slack.py)
    teams     an Adaptive Card to a Microsoft Teams incoming webhook (channels/teams.py)
"""

from channels.base import Gone, Outgoing, Transport, Unavailable
from channels.chat import ChatMessage, ChatTransport
from channels.email import EmailTransport
from channels.webhook import WebhookTarget, WebhookTransport

CHANNELS = ("email", "webhook", "slack", "teams")
ORDERED = ("webhook", "slack", "teams")  # delivered in order per escalation and address

__all__ = [
    "CHANNELS", "ChatMessage", "ChatTransport", "EmailTransport", "Gone", "ORDERED",
    "Outgoing", "Transport", "Unavailable", "WebhookTarget", "WebhookTransport",
]
