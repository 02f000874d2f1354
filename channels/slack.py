"""Slack: a ChatMessage as Block Kit for an incoming webhook (api.slack.com/messaging/webhooks).

Blocks: a header (plain text, at most 150 characters), a section of mrkdwn text, a
section of fields (at most 10), and an actions block of URL buttons (at most 5). `text`
is the notification's fallback. User text is escaped (&, <, >) as Slack asks.
"""

from __future__ import annotations

import json
from typing import Any

from channels.chat import ChatMessage

__all__ = ["render"]


def render(msg: ChatMessage) -> str:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(msg.title, 150)}},
    ]
    if msg.text:
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": _cut(_escape(msg.text), 3000)}})
    if msg.facts:
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": _cut(f"*{_escape(k)}*\n{_escape(v)}", 2000)}
            for k, v in msg.facts[:10]]})
    if msg.links:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": _cut(label, 75)},
             "url": url, "action_id": f"link-{i}"}
            for i, (label, url) in enumerate(msg.links[:5])]})
    return json.dumps({"text": _cut(msg.title, 3000), "blocks": blocks}, ensure_ascii=False)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most - 1] + "…"
