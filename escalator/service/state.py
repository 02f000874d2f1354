"""The SLA view of an escalation row, and the one place its deadlines are written back."""

from __future__ import annotations

from datetime import datetime

from escalator.settings import Settings
from escalator.sla import SlaState, next_escalation_at, next_warning_at
from models import Escalation


def sla_state(esc: Escalation) -> SlaState:
    return SlaState(
        severity=esc.severity, status=esc.status, rung=esc.rung,
        acknowledged_at=esc.acknowledged_at, paused_at=esc.paused_at,
        response_due_at=esc.response_due_at, resolution_due_at=esc.resolution_due_at,
        response_breaches=esc.response_breaches, resolution_breaches=esc.resolution_breaches,
        opened_at=esc.opened_at, paused_seconds=esc.paused_seconds,
    )


def reschedule(esc: Escalation, settings: Settings, now: datetime) -> None:
    """Move the indexed next_* columns the sweep scans to what the rules say now."""
    policy = settings.policy
    state = sla_state(esc)
    esc.next_escalation_at = next_escalation_at(policy, state)
    esc.next_warning_at = next_warning_at(policy, state, now)
