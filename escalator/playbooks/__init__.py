"""Playbooks of tasks per kind of escalation, and revenue-aware targets: pure rules.

spec.py (what a playbook is, which applies), schedule.py (due times, reminders, climbs),
revenue.py (rules that raise the severity or the first rung), defaults.py (from the seeds).
"""

from escalator.playbooks.revenue import AccountFacts, Raise, RevenueRule, evaluate, raised_targets
from escalator.playbooks.schedule import Action, TaskState, due_actions, due_times, next_at
from escalator.playbooks.spec import ROLES, Playbook, TaskSpec, choose

__all__ = [
    "ROLES", "AccountFacts", "Action", "Playbook", "Raise", "RevenueRule", "TaskSpec",
    "TaskState", "choose", "due_actions", "due_times", "evaluate", "next_at",
    "raised_targets",
]
