"""Severity -> response and resolution due times, and how a pause moves them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from escalator.settings import SeverityPolicy


@dataclass(frozen=True)
class Targets:
    response_due_at: datetime
    resolution_due_at: datetime
    first_rung: str


def targets_for(
    severities: dict[int, SeverityPolicy],
    severity: int,
    opened_at: datetime,
    paused: timedelta = timedelta(0),
) -> Targets:
    """Due times count from the opening, plus any time spent waiting on the customer."""
    policy = severities[severity]
    return Targets(
        response_due_at=opened_at + policy.response + paused,
        resolution_due_at=opened_at + policy.resolution + paused,
        first_rung=policy.first_rung,
    )


def pause_shift(paused_at: datetime, now: datetime) -> timedelta:
    """How far leaving `waiting` moves every due time: never backwards."""
    return max(now - paused_at, timedelta(0))
