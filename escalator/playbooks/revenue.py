"""Revenue-aware targets: rules on the account (ARR, days to renewal, segment, health) that
raise an escalation's severity, or start it one rung higher, at intake. Pure: the clock
and the account's facts are passed in.

A rule's conditions are structured keys, no expression language (nothing to evaluate):
each condition given is checked, and `match` says whether any or all must hold. A raised
severity never loosens a target: each due time is the earlier of the raised severity's
and the original's, and the first rung the higher of the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from escalator.settings import RUNGS
from escalator.sla.policy import Policy
from escalator.sla.targets import Targets, targets_for

ACTIONS = ("severity_up", "rung_up")


@dataclass(frozen=True)
class AccountFacts:
    name: str = ""
    arr: float | None = None
    renewal_date: date | None = None
    segment: str = ""
    health: str = ""


@dataclass(frozen=True)
class RevenueRule:
    name: str
    action: str = "severity_up"  # one severity up (1 is the top) | rung_up: start a rung higher
    match: str = "any"  # any | all of the conditions given
    arr_at_least: float | None = None
    renewal_within: timedelta | None = None  # renewing within this many days from today
    segment: tuple[str, ...] = ()  # lower case
    health_below: float | None = None  # a numeric health score below this
    health: tuple[str, ...] = ()  # or a health label among these (lower case: "red")

    def reasons(self, facts: AccountFacts, today: date) -> list[str] | None:
        """Why the rule applies (one phrase per condition met), or None when it does not."""
        checks: list[str | None] = []
        if self.arr_at_least is not None:
            ok = facts.arr is not None and facts.arr >= self.arr_at_least
            checks.append(f"ARR {money(facts.arr)} ≥ {money(self.arr_at_least)}" if ok else None)
        if self.renewal_within is not None:
            days = (facts.renewal_date - today).days if facts.renewal_date else None
            ok = days is not None and 0 <= days <= self.renewal_within.days
            checks.append(f"renewal on {facts.renewal_date} in {days} days (within "
                          f"{self.renewal_within.days})" if ok else None)
        if self.segment:
            ok = facts.segment.strip().lower() in self.segment
            checks.append(f"segment {facts.segment}" if ok else None)
        if self.health_below is not None:
            score = _number(facts.health)
            ok = score is not None and score < self.health_below
            checks.append(f"health {facts.health} < {self.health_below:g}" if ok else None)
        if self.health:
            ok = facts.health.strip().lower() in self.health
            checks.append(f"health {facts.health}" if ok else None)
        met = [c for c in checks if c is not None]
        if not checks or not met or (self.match == "all" and len(met) < len(checks)):
            return None
        return met


@dataclass(frozen=True)
class Raise:
    severity: int  # after the rules
    rung_steps: int  # rungs above the severity's first rung
    applied: tuple[str, ...]  # one sentence per rule that applied, for the acknowledgement


def evaluate(rules: Sequence[RevenueRule], facts: AccountFacts, severity: int,
             now: datetime) -> Raise:
    """Each rule that applies moves one step (severity 1 and the executive are the top)."""
    applied: list[str] = []
    steps = 0
    for rule in rules:
        why = rule.reasons(facts, now.date())
        if why is None:
            continue
        if rule.action == "severity_up":
            before, severity = severity, max(severity - 1, 1)
            effect = (f"severity {before} → {severity}" if severity != before
                      else "severity stays 1 (the top)")
        else:
            steps += 1
            effect = "starts one rung higher"
        applied.append(f"{effect} by the rule '{rule.name}': {'; '.join(why)}")
    return Raise(severity, steps, tuple(applied))


def raised_targets(policy: Policy, severity: int, r: Raise, opened_at: datetime) -> Targets:
    """The targets of the raised severity, never later than the original's, and the first
    rung never lower; `rung_steps` rungs above it, up to the executive."""
    base = targets_for(policy, severity, opened_at)
    up = targets_for(policy, r.severity, opened_at)
    rung = max(RUNGS.index(base.first_rung), RUNGS.index(up.first_rung))
    return Targets(response_due_at=min(base.response_due_at, up.response_due_at),
                   resolution_due_at=min(base.resolution_due_at, up.resolution_due_at),
                   first_rung=RUNGS[min(rung + r.rung_steps, len(RUNGS) - 1)])


def money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.0f}"


def _number(text: str) -> float | None:
    try:
        return float(text.strip().rstrip("%"))
    except ValueError:
        return None
