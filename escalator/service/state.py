"""The SLA view of an escalation row: what the pure rules in escalator.sla read."""

from __future__ import annotations

from escalator.sla import SlaState
from models import Escalation


def sla_state(esc: Escalation) -> SlaState:
    return SlaState(
        severity=esc.severity, status=esc.status, rung=esc.rung,
        acknowledged_at=esc.acknowledged_at, paused_at=esc.paused_at,
        response_due_at=esc.response_due_at, resolution_due_at=esc.resolution_due_at,
        response_breaches=esc.response_breaches, resolution_breaches=esc.resolution_breaches,
    )
