"""Waiting on the customer stops both clocks: the working time left at the pause remains.

Due times do not move while an escalation waits; at the resume each moves by the working
time the pause took (in its severity's calendar), which is the same as saying: what was
left of each target when the wait began is what is left when it ends. Paused Friday 16:00
and resumed Monday 10:00 on 09:00-17:00 working days moves a due time by two working hours,
not by the 66 hours of the weekend. A severity change during a wait recomputes the targets
from the opening with the completed pauses only; the running pause counts once, at its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from escalator.sla.policy import Policy
from escalator.sla.targets import Targets, targets_for

ZERO = timedelta(0)


@dataclass(frozen=True)
class Resumed:
    response_due_at: datetime
    resolution_due_at: datetime
    waited: timedelta  # wall-clock time of the pause (reports count it as time not owed)


def resume(policy: Policy, severity: int, paused_at: datetime, now: datetime,
           response_due_at: datetime, resolution_due_at: datetime) -> Resumed:
    """The due times after a wait from `paused_at` to `now`."""
    waited = max(now - paused_at, ZERO)
    lost = policy.working(severity, paused_at, now) if waited else ZERO
    if lost <= ZERO:  # a wait outside working hours moves nothing
        return Resumed(response_due_at, resolution_due_at, waited)
    # working time is additive, so shifting the first deadline shifts every later window too
    return Resumed(policy.after(severity, response_due_at, lost),
                   policy.after(severity, resolution_due_at, lost), waited)


def paused_working(policy: Policy, severity: int, opened_at: datetime,
                   response_due_at: datetime) -> timedelta:
    """The working time completed pauses have added to the targets so far."""
    elapsed = policy.working(severity, opened_at, response_due_at)
    return max(elapsed - policy.window(severity, "response"), ZERO)


def retarget(policy: Policy, old_severity: int, new_severity: int, opened_at: datetime,
             response_due_at: datetime) -> Targets:
    """Targets for a severity change: from the opening, plus the completed pauses.

    A pause still running is left out: its resume adds it. Where the two severities use
    different calendars, the paused working time carries over as a length of time.
    """
    kept = paused_working(policy, old_severity, opened_at, response_due_at)
    return targets_for(policy, new_severity, opened_at, kept)
