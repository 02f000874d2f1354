"""A fresh escalation's SLA state under the default policy, for the pure rule tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from escalator.sla import Policy, SlaState, targets_for

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
P = Policy()


def state(severity: int = 2, **kw: object) -> SlaState:
    """Opened at T0 with the severity's first rung; `kw` overrides any field."""
    t = targets_for(P, severity, T0)
    base = SlaState(severity=severity, status="open", rung=t.first_rung, acknowledged_at=None,
                    paused_at=None, response_due_at=t.response_due_at,
                    resolution_due_at=t.resolution_due_at, opened_at=T0)
    return replace(base, **kw)  # type: ignore[arg-type]
