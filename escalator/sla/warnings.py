"""Warnings before a breach: at fractions of each running window (default 75% and 90%).

A warning goes to the current owner and rung once per window (the sweep's notice key, which
names the deadline, makes it so); one
whose instant has passed together with its deadline is dropped: the breach says more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from escalator.sla.ladder import SlaState, windows
from escalator.sla.policy import Policy

_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Warning:
    target: str
    number: int  # the breach it warns of
    fraction: float
    at: datetime  # when it is due
    due_at: datetime  # the deadline it warns of

    @property
    def key(self) -> str:
        """Unique per window: a severity change moves the deadline, and the new window's
        warnings are new ones. At most 20 characters (the notice column)."""
        minute = int((self.due_at - _EPOCH).total_seconds()) // 60  # 5 digits till 2134
        return f"warn:{self.target[:3]}:{self.number}:{round(self.fraction * 100)}:{_b36(minute)}"


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, d = divmod(n, 36)
        out = digits[d] + out
        if not n:
            return out


def _all(policy: Policy, s: SlaState) -> list[Warning]:
    out: list[Warning] = []
    for w in windows(policy, s):
        span = policy.working(s.severity, w.start, w.due)
        for fraction in policy.warnings:
            at = policy.after(s.severity, w.start, span * fraction)
            out.append(Warning(w.target, w.number, fraction, at, w.due))
    return sorted(out, key=lambda x: x.at)


def due_warnings(policy: Policy, s: SlaState, now: datetime) -> list[Warning]:
    """Warnings whose instant has come while their deadline is still ahead."""
    return [w for w in _all(policy, s) if w.at <= now < w.due_at]


def next_warning_at(policy: Policy, s: SlaState, now: datetime) -> datetime | None:
    later = [w.at for w in _all(policy, s) if w.at > now]
    return min(later) if later else None
