"""Microsoft Teams: a ChatMessage as an Adaptive Card in an incoming webhook's message
(learn.microsoft.com: "Create an Incoming Webhook", cards in Workflows too).

The card uses only elements of the Adaptive Card 1.0 schema (TextBlock, FactSet,
Action.OpenUrl), so every Teams client shows it; it declares version 1.2, which Teams
incoming webhooks accept.
"""

from __future__ import annotations

import json
from typing import Any

from channels.chat import ChatMessage

__all__ = ["card", "render"]
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def card(msg: ChatMessage) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": msg.title, "weight": "bolder", "size": "medium",
         "wrap": True},
    ]
    if msg.text:
        body.append({"type": "TextBlock", "text": msg.text, "wrap": True})
    if msg.facts:
        body.append({"type": "FactSet",
                     "facts": [{"title": k, "value": v} for k, v in msg.facts]})
    result: dict[str, Any] = {"type": "AdaptiveCard", "version": "1.2", "body": body}
    if msg.links:
        result["actions"] = [{"type": "Action.OpenUrl", "title": label, "url": url}
                             for label, url in msg.links]
    return result


def render(msg: ChatMessage) -> str:
    return json.dumps({"type": "message", "attachments": [
        {"contentType": CONTENT_TYPE, "contentUrl": None, "content": card(msg)}]},
        ensure_ascii=False)
