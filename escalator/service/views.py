"""Escalations as plain dicts: the JSON contract of `show --json` and `list --json`, and the
emails' context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from models import Escalation, Event
from parser.result import Attachment


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


TIMES = (
    "opened_at", "acknowledged_at", "resolved_at", "response_due_at", "resolution_due_at",
    "next_escalation_at",
)


def escalation_view(esc: Escalation, *, json: bool = True) -> dict[str, Any]:
    """The contract's fields; times as ISO 8601 UTC strings, or as datetimes for templates."""
    view: dict[str, Any] = {
        "id": esc.ref,
        "account": esc.account,
        "summary": esc.summary,
        "issue": esc.issue,
        "severity": esc.severity,
        "risk_level": esc.risk_level,
        "type": esc.type or None,
        "category": esc.category or None,
        "status": esc.status,
        "csm": esc.csm,
        "owner": esc.owner,
        "rung": esc.rung,
        "stakeholders": list(esc.stakeholders),
        "actions_taken": list(esc.actions_taken),
        "ask": list(esc.ask),
        "links": list(esc.links),
        "steps": list(esc.steps),
        "timeline": esc.timeline,
        "call_recording": esc.call_recording or None,
        "attachments": attachments_view((esc.extra or {}).get("attachments", []), json=json),
    }
    for name in TIMES:
        value = getattr(esc, name)
        view[name] = iso(value) if json else value
    return view


def attachment_records(attachments: Sequence[Attachment]) -> list[dict[str, Any]]:
    """What an escalation keeps (in `extra`) of the attachments of the CSM's email: an
    attached email with its subject, from and date; JSON, the date in ISO 8601 UTC."""
    records: list[dict[str, Any]] = []
    for a in attachments:
        date = a.date.astimezone(timezone.utc) if a.date and a.date.tzinfo else a.date
        records.append({
            "filename": a.filename, "content_type": a.content_type, "size": a.size,
            "subject": a.subject or None, "from": a.sender or None,
            "from_name": a.sender_name or None,
            "date": iso(date.replace(tzinfo=timezone.utc)) if date else None,
        })
    return records


def attachments_view(records: list[dict[str, Any]], *, json: bool) -> list[dict[str, Any]]:
    if json:
        return [dict(r) for r in records]
    return [{**r, "date": datetime.fromisoformat(r["date"]) if r.get("date") else None}
            for r in records]


def event_view(event: Event) -> dict[str, Any]:
    return {"at": iso(event.at), "kind": event.kind, "actor": event.actor, "detail": event.detail}
