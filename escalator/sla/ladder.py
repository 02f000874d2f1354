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

from escalator.settings import RUNGS
from escalator.sla.policy import Policy


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
    opened_at: datetime | None = None  # where the first windows start (for warnings)
    paused_seconds: int = 0


@dataclass(frozen=True)
class Breach:
    target: str  # "response" | "resolution"
    due_at: datetime
    rung: str  # the rung notified
    number: int  # 1 for the first breach of this target, 2 for the next, ...


@dataclass(frozen=True)
class Window:
    """A target's running window: it opened at `start` and is breached at `due`."""

    target: str
    number: int  # the breach it would be
    start: datetime
    due: datetime


def rung_index(rung: str) -> int:
    return RUNGS.index(rung)


def next_rung(rung: str) -> str | None:
    i = rung_index(rung)
    return RUNGS[i + 1] if i + 1 < len(RUNGS) else None


def deadline(policy: Policy, s: SlaState, target: str, n: int) -> datetime:
    """The n-th deadline of a target (n = 0: the due time itself)."""
    first = s.response_due_at if target == "response" else s.resolution_due_at
    if n == 0:
        return first
    return policy.after(s.severity, first, policy.window(s.severity, target) * n)


def windows(policy: Policy, s: SlaState, response_n: int | None = None,
            resolution_n: int | None = None) -> list[Window]:
    """The windows running now, earliest deadline first; none when paused, done or on top."""
    if s.status == "done" or s.paused_at is not None or next_rung(s.rung) is None:
        return []
    rn = s.response_breaches if response_n is None else response_n
    sn = s.resolution_breaches if resolution_n is None else resolution_n
    out: list[Window] = []
    targets = (("response", rn), ("resolution", sn)) if s.acknowledged_at is None else (
        ("resolution", sn),)
    for target, n in targets:
        due = deadline(policy, s, target, n)
        if n > 0:
            start = deadline(policy, s, target, n - 1)
        elif s.opened_at is None:
            start = due - policy.window(s.severity, target)
        else:  # the opening, moved on by the working time of the pauses
            paused = policy.working(s.severity, s.opened_at, due) - policy.window(s.severity,
                                                                                 target)
            start = policy.after(s.severity, s.opened_at, max(paused, timedelta(0)))
        out.append(Window(target, n + 1, start, due))
    return sorted(out, key=lambda w: (w.due, w.target != "response"))


def due_breaches(policy: Policy, s: SlaState, now: datetime) -> list[Breach]:
    """Every breach due at `now`, in deadline order, each one rung above the last."""
    out: list[Breach] = []
    rung, rn, sn = s.rung, s.response_breaches, s.resolution_breaches
    while (nxt := next_rung(rung)) is not None:
        running = windows(policy, s, rn, sn)
        if not running or running[0].due > now:
            break
        w = running[0]
        if w.target == "response":
            rn += 1
        else:
            sn += 1
        out.append(Breach(w.target, w.due, nxt, w.number))
        rung = nxt
        s = SlaState(**{**s.__dict__, "rung": rung})
    return out


def next_escalation_at(policy: Policy, s: SlaState) -> datetime | None:
    """When the ladder climbs next if nothing happens; None when paused, done or at the top."""
    running = windows(policy, s)
    return running[0].due if running else None
