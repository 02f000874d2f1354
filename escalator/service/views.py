"""Escalations as plain dicts: the JSON contract of `show --json` and `list --json`, and the
emails' context."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models import Escalation, Event


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
    }
    for name in TIMES:
        value = getattr(esc, name)
        view[name] = iso(value) if json else value
    return view


def event_view(event: Event) -> dict[str, Any]:
    return {"at": iso(event.at), "kind": event.kind, "actor": event.actor, "detail": event.detail}
