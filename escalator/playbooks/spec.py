"""Playbooks as data: an ordered list of tasks per kind of escalation, and which one applies.

A playbook is chosen by severity, risk level, type and category (every key it gives must
match; the one giving the most keys wins, the first written on a tie); when none matches,
the playbook that is the default for the escalation's severity. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# who a task is for: a ladder rung, the escalation's owner, or cross-functional contacts
ROLES = ("csm", "manager", "director", "vp", "executive", "owner", "category")


@dataclass(frozen=True)
class TaskSpec:
    title: str
    owner: str  # a ROLES entry, or "category:NAME" (that category's contacts)
    due: timedelta  # after the opening, or after `after` is done (its due time until then)
    after: int | None = None  # the number (1-based) of an earlier task


@dataclass(frozen=True)
class Playbook:
    name: str
    tasks: tuple[TaskSpec, ...]
    severity: tuple[int, ...] = ()  # empty: any
    risk_level: tuple[str, ...] = ()  # lower case
    type: tuple[str, ...] = ()  # lower case
    category: tuple[str, ...] = ()  # lower case
    default_for: tuple[int, ...] = ()  # the severities it is the default of
    climb_after: timedelta = timedelta(hours=4)  # past a task's due time: the next rung hears

    def specificity(self) -> int:
        return sum(bool(k) for k in (self.severity, self.risk_level, self.type, self.category))

    def matches(self, severity: int, risk_level: str | None, type_: str, category: str) -> bool:
        if not self.specificity():
            return False  # a playbook naming nothing is only a default
        checks = ((self.severity, severity), (self.risk_level, (risk_level or "").lower()),
                  (self.type, type_.lower()), (self.category, category.lower()))
        return all(not wanted or value in wanted for wanted, value in checks)


def choose(playbooks: tuple[Playbook, ...], severity: int, risk_level: str | None,
           type_: str, category: str) -> Playbook | None:
    """The most specific playbook matching, else the severity's default, else None."""
    matching = [p for p in playbooks if p.matches(severity, risk_level, type_, category)]
    if matching:
        best = max(p.specificity() for p in matching)
        return next(p for p in matching if p.specificity() == best)
    return next((p for p in playbooks if severity in p.default_for), None)
