"""The default playbook of each risk tier, from the seeds: the CSM protocol's process per
risk level (seed 004), the owners of seed 002's severities (High: CS Director; Medium: CS
Manager) and the template's last milestone, following up until the customer is satisfied
(seed 000). The example config.toml writes the same three out, to be edited."""

from __future__ import annotations

from datetime import timedelta

from escalator.playbooks.spec import Playbook, TaskSpec

H, D = timedelta(hours=1), timedelta(days=1)

HIGH = Playbook("high", severity=(), risk_level=("high",), default_for=(1, 2),
                climb_after=4 * H, tasks=(
    TaskSpec("De-escalate with the customer", "csm", 1 * H),
    TaskSpec("Call your manager", "csm", 2 * H),
    TaskSpec("Brief the executive team", "director", 4 * H),
    TaskSpec("Agree the plan of action", "owner", 1 * D, after=2),
    TaskSpec("Recap the plan to the customer", "csm", 4 * H, after=4),
    TaskSpec("Follow up until the customer is satisfied", "csm", 3 * D, after=5),
))
MEDIUM = Playbook("medium", risk_level=("medium",), default_for=(3,), climb_after=1 * D,
                  tasks=(
    TaskSpec("De-escalate with the customer", "csm", 4 * H),
    TaskSpec("Review with your manager", "csm", 1 * D),
    TaskSpec("Agree a recovery plan", "manager", 1 * D, after=2),
    TaskSpec("Recap the plan to the customer", "csm", 4 * H, after=3),
    TaskSpec("Follow up until the customer is satisfied", "csm", 5 * D, after=4),
))
LOW = Playbook("low", risk_level=("low",), default_for=(4,), climb_after=2 * D, tasks=(
    TaskSpec("De-escalate with the customer", "csm", 1 * D),
    TaskSpec("Create a customer action plan", "csm", 2 * D),
    TaskSpec("Follow up on the action plan", "csm", 7 * D, after=2),
))
DEFAULT_PLAYBOOKS = (HIGH, MEDIUM, LOW)
