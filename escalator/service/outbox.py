"""Render an email into an outbox row: recipients, Message-ID, threading headers, [ESC-N]."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from escalator.render import render
from escalator.service.recipients import dedupe, mailbox
from escalator.service.views import escalation_view
from escalator.settings import Settings
from models import Escalation, OutboxMessage


def message_domain(settings: Settings) -> str:
    return settings.smtp.from_address.rsplit("@", 1)[-1].lower()


def new_message_id(settings: Settings, esc: Escalation | None, kind: str) -> str:
    """<esc-N.kind.hex@domain>: a reply's References alone tell the parser which escalation."""
    prefix = f"esc-{esc.id}." if esc is not None else ""
    return f"{prefix}{kind}.{uuid.uuid4().hex[:20]}@{message_domain(settings)}"


def enqueue(
    session: Session,
    settings: Settings,
    *,
    kind: str,
    now: datetime,
    to: Iterable[str],
    cc: Iterable[str] = (),
    esc: Escalation | None = None,
    context: dict[str, Any] | None = None,
    in_reply_to: str | None = None,
) -> OutboxMessage | None:
    """Write one rendered email to the outbox; None when nobody is left to receive it."""
    to_list = dedupe(to, mailbox(settings))
    cc_list = dedupe(cc, mailbox(settings), to_list)
    if not to_list:
        to_list, cc_list = cc_list, []
    if not to_list:
        return None
    ctx: dict[str, Any] = {"mailbox": settings.smtp.from_address, "now": now}
    if esc is not None:
        ctx["esc"] = escalation_view(esc, json=False)
    ctx.update(context or {})
    rendered = render(kind, ctx)
    message_id = new_message_id(settings, esc, kind)
    references: list[str] = []
    if esc is not None:
        references = [r for r in (esc.source_message_id, esc.thread_root) if r]
        in_reply_to = in_reply_to or (esc.thread_root or esc.source_message_id or None)
    elif in_reply_to:
        references = [in_reply_to]
    row = OutboxMessage(
        escalation_id=esc.id if esc is not None else None,
        kind=kind,
        to_addrs=to_list,
        cc_addrs=cc_list,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        refused={},
    )
    session.add(row)
    return row
