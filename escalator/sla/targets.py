"""Severity -> response and resolution due times (pauses: see pause.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from escalator.sla.policy import Policy


@dataclass(frozen=True)
class Targets:
    response_due_at: datetime
    resolution_due_at: datetime
    first_rung: str


def targets_for(
    policy: Policy, severity: int, opened_at: datetime, paused: timedelta = timedelta(0)
) -> Targets:
    """Due times count from the opening in the severity's working time, plus the working
    time spent waiting (`paused`)."""
    p = policy.severities[severity]
    return Targets(
        response_due_at=policy.after(severity, opened_at, p.response + paused),
        resolution_due_at=policy.after(severity, opened_at, p.resolution + paused),
        first_rung=p.first_rung,
    )
