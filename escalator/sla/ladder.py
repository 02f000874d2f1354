"""Which rungs are due a breach notice, and when the ladder climbs next.

Response: unacknowledged at response_due_at -> the next rung; each further response window
-> the next rung again. Resolution: not done at resolution_due_at -> one rung up from where it
stands; again each further resolution window. Both climb the same ladder, oldest deadline
first, and stop at the executive. Deadlines count from the previous deadline, not from the
tick, so after downtime one tick catches every missed rung up in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from escalator.settings import RUNGS, SeverityPolicy


@dataclass(frozen=True)
class SlaState:
    severity: int
    status: str
    rung: str
    acknowledged_at: datetime | None
    paused_at: datetime | None
    response_due_at: datetime
    resolution_due_at: datetime
    response_breaches: int = 0
    resolution_breaches: int = 0


@dataclass(frozen=True)
class Breach:
    target: str  # "response" | "resolution"
    due_at: datetime
    rung: str  # the rung notified
    number: int  # 1 for the first breach of this target, 2 for the next, ...


def rung_index(rung: str) -> int:
    return RUNGS.index(rung)


def next_rung(rung: str) -> str | None:
    i = rung_index(rung)
    return RUNGS[i + 1] if i + 1 < len(RUNGS) else None


def _pending(
    severities: dict[int, SeverityPolicy], s: SlaState, response_n: int, resolution_n: int
) -> tuple[str, datetime] | None:
    """The next deadline if nothing happens: (target, due), earliest first."""
    if s.status == "done" or s.paused_at is not None:
        return None
    policy = severities[s.severity]
    options: list[tuple[datetime, int, str]] = []
    if s.acknowledged_at is None:
        due = s.response_due_at + policy.response * response_n
        options.append((due, 0, "response"))
    options.append((s.resolution_due_at + policy.resolution * resolution_n, 1, "resolution"))
    due, _, target = min(options)
    return target, due


def due_breaches(
    severities: dict[int, SeverityPolicy], s: SlaState, now: datetime
) -> list[Breach]:
    """Every breach due at `now`, in deadline order, each one rung above the last."""
    out: list[Breach] = []
    rung, rn, sn = s.rung, s.response_breaches, s.resolution_breaches
    while (nxt := next_rung(rung)) is not None:
        pending = _pending(severities, s, rn, sn)
        if pending is None or pending[1] > now:
            break
        target, due = pending
        if target == "response":
            rn += 1
            out.append(Breach(target, due, nxt, rn))
        else:
            sn += 1
            out.append(Breach(target, due, nxt, sn))
        rung = nxt
    return out


def next_escalation_at(severities: dict[int, SeverityPolicy], s: SlaState) -> datetime | None:
    """When the ladder climbs next if nothing happens; None when paused, done or at the top."""
    if next_rung(s.rung) is None:
        return None
    pending = _pending(severities, s, s.response_breaches, s.resolution_breaches)
    return pending[1] if pending else None


def window(severities: dict[int, SeverityPolicy], severity: int, target: str) -> timedelta:
    policy = severities[severity]
    return policy.response if target == "response" else policy.resolution
