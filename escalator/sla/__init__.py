"""The SLA rules, pure: (policy, escalation state, now) -> what is due. The clock is always passed in."""

from escalator.sla.ladder import (
    Breach,
    SlaState,
    due_breaches,
    next_escalation_at,
    next_rung,
    rung_index,
)
from escalator.sla.targets import Targets, pause_shift, targets_for

__all__ = [
    "Breach",
    "SlaState",
    "Targets",
    "due_breaches",
    "next_escalation_at",
    "next_rung",
    "pause_shift",
    "rung_index",
    "targets_for",
]
