"""The SLA rules, pure: (policy, escalation state, now) -> what is due.

The clock is always passed in: that is what makes `tick --at` and fast tests possible.
"""

from escalator.sla.calendar import Calendar
from escalator.sla.ladder import (
    Breach,
    SlaState,
    due_breaches,
    next_escalation_at,
    next_rung,
    rung_index,
)
from escalator.sla.pause import Resumed, paused_working, resume, retarget
from escalator.sla.policy import Policy
from escalator.sla.targets import Targets, targets_for
from escalator.sla.warnings import Warning, due_warnings, next_warning_at

__all__ = [
    "Breach",
    "Calendar",
    "Policy",
    "SlaState",
    "Targets",
    "Warning",
    "due_breaches",
    "due_warnings",
    "next_escalation_at",
    "next_rung",
    "next_warning_at",
    "paused_working",
    "Resumed",
    "resume",
    "retarget",
    "rung_index",
    "targets_for",
]
