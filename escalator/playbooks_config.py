"""[playbooks.NAME] and [revenue] tables -> Playbook and RevenueRule objects, with one-line
errors naming the file and key (the `fail` of config.py's reader)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from escalator.config_keys import Fail, check_keys
from escalator.playbooks.defaults import DEFAULT_PLAYBOOKS
from escalator.playbooks.revenue import ACTIONS, RevenueRule
from escalator.playbooks.spec import ROLES, Playbook, TaskSpec
from escalator.settings import RevenueSettings

Duration = Callable[[Any, str], timedelta]  # config.py's checked duration reader
PLAYBOOK_KEYS = {"severity", "risk_level", "type", "category", "default_for", "climb_after",
                 "tasks"}
TASK_KEYS = {"title", "owner", "due"}
RULE_KEYS = {"name", "action", "match", "arr_at_least", "renewal_within", "segment",
             "health_below", "health"}
REVENUE_KEYS = {"rules", "repeat_count", "repeat_within"}
_AFTER = re.compile(r"^\s*(?P<d>\S+)\s+after\s+(?:(?P<n>\d+)|['\"‘’“”](?P<t>.+)['\"‘’“”])\s*$",
                    re.I)


def playbooks(data: Mapping[str, Any], fail: Fail, duration: Duration,
              categories: set[str]) -> tuple[Playbook, ...]:
    """No [playbooks] at all: the defaults; otherwise exactly those written (none if empty)."""
    if "playbooks" not in data:
        return DEFAULT_PLAYBOOKS
    table = data["playbooks"]
    if not isinstance(table, dict):
        raise fail("[playbooks]", "must be a table of [playbooks.NAME] tables")
    out: list[Playbook] = []
    for name, sub in table.items():
        where = f"[playbooks.{name}]"
        if not isinstance(sub, dict):
            raise fail(where, "must be a table")
        check_keys(sub, where, PLAYBOOK_KEYS, fail)
        tasks = sub.get("tasks", [])
        if not isinstance(tasks, list) or not tasks:
            raise fail(f"{where} tasks", "must be a list of tasks "
                       "({ title = \"...\", owner = \"csm\", due = \"4h\" })")
        specs: list[TaskSpec] = []
        for i, task in enumerate(tasks, 1):
            specs.append(_task(task, f"{where} tasks[{i}]", specs, fail, duration, categories))
        out.append(Playbook(
            name=name, tasks=tuple(specs),
            severity=_severities(sub, "severity", where, fail),
            risk_level=_words(sub, "risk_level", where, fail),
            type=_words(sub, "type", where, fail), category=_words(sub, "category", where, fail),
            default_for=_severities(sub, "default_for", where, fail),
            climb_after=(duration(sub["climb_after"], f"{where} climb_after")
                         if "climb_after" in sub else timedelta(hours=4))))
    for severity in (1, 2, 3, 4):
        owners = [p.name for p in out if severity in p.default_for]
        if len(owners) > 1:
            raise fail(f"[playbooks.{owners[1]}] default_for",
                       f"severity {severity} already has the default playbook '{owners[0]}'")
    return tuple(out)


def _task(task: Any, where: str, before: list[TaskSpec], fail: Fail, duration: Duration,
          categories: set[str]) -> TaskSpec:
    if not isinstance(task, dict):
        raise fail(where, "must be a table: { title = \"...\", owner = \"csm\", due = \"4h\" }")
    check_keys(task, where, TASK_KEYS, fail)
    title = task.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail(f"{where} title", "missing (what is to be done)")
    title = " ".join(title.split())
    if any(t.title.lower() == title.lower() for t in before):
        raise fail(f"{where} title", f"'{title}' is already a task of this playbook")
    owner = task.get("owner", "csm")
    named = owner.partition(":")[2].strip().lower() if isinstance(owner, str) else ""
    if not isinstance(owner, str) or not (owner in ROLES or (
            owner.lower().startswith("category:") and named in categories)):
        known = ", ".join(sorted(categories)) or "none configured"
        raise fail(f"{where} owner", f"'{owner}' is not an owner (use {', '.join(ROLES)}, or "
                   f"category:NAME of a [categories.NAME] table: {known})")
    if owner.lower().startswith("category:"):
        owner = f"category:{named}"
    due = task.get("due")
    if not isinstance(due, str):
        raise fail(f"{where} due", "missing (e.g. \"30m\", or \"1d after 'Call the customer'\")")
    after: int | None = None
    m = _AFTER.match(due)
    if m:
        if m.group("n"):
            after = int(m.group("n"))
            if not 1 <= after <= len(before):
                raise fail(f"{where} due", f"'{due}': task {after} is not an earlier task")
        else:
            wanted = " ".join(m.group("t").split()).lower()
            found = [i for i, t in enumerate(before, 1) if t.title.lower() == wanted]
            if not found:
                raise fail(f"{where} due", f"'{due}': no earlier task is titled "
                           f"'{m.group('t')}' (a task may follow an earlier one only)")
            after = found[0]
        span = duration(m.group("d"), f"{where} due")
    else:
        span = duration(due, f"{where} due")
    return TaskSpec(title, owner, span, after)


def _words(sub: Mapping[str, Any], key: str, where: str, fail: Fail) -> tuple[str, ...]:
    value = sub.get(key, [])
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
        raise fail(f"{where} {key}", "must be a word or a list of words")
    return tuple(x.strip().lower() for x in items)


def _severities(sub: Mapping[str, Any], key: str, where: str, fail: Fail) -> tuple[int, ...]:
    value = sub.get(key, [])
    items = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(items, list) or not all(
            isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 4 for x in items):
        raise fail(f"{where} {key}", "must be a severity (1-4) or a list of them")
    return tuple(items)


def revenue(data: Mapping[str, Any], fail: Fail, duration: Duration) -> RevenueSettings:
    table = data.get("revenue", {})
    if not isinstance(table, dict):
        raise fail("[revenue]", "must be a table")
    check_keys(table, "[revenue]", REVENUE_KEYS, fail)
    base = RevenueSettings()
    count = table.get("repeat_count", base.repeat_count)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0 or count == 1:
        raise fail("[revenue] repeat_count", "must be a whole number ≥ 2 (0 turns it off)")
    within = (duration(table["repeat_within"], "[revenue] repeat_within")
              if "repeat_within" in table else base.repeat_within)
    rules = table.get("rules", [])
    if not isinstance(rules, list):
        raise fail("[revenue] rules", "must be a list of [[revenue.rules]] tables")
    return RevenueSettings(tuple(_rule(rule, f"[[revenue.rules]] {i}", fail, duration)
                                 for i, rule in enumerate(rules, 1)), count, within)


def _rule(rule: Any, where: str, fail: Fail, duration: Duration) -> RevenueRule:
    if not isinstance(rule, dict):
        raise fail(where, "must be a table")
    check_keys(rule, where, RULE_KEYS, fail)
    name = rule.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail(f"{where} name", "missing (said in the acknowledgement)")
    where = f"[[revenue.rules]] '{name}'"
    action = rule.get("action", "severity_up")
    if action not in ACTIONS:
        raise fail(f"{where} action", f"'{action}' is not an action (use {', '.join(ACTIONS)})")
    match = rule.get("match", "any")
    if match not in ("any", "all"):
        raise fail(f"{where} match", f"'{match}' is not any or all")
    numbers: dict[str, float | None] = {}
    for key in ("arr_at_least", "health_below"):
        value = rule.get(key)
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)
                                  or value < 0):
            raise fail(f"{where} {key}", "must be a number ≥ 0 (e.g. 1000000)")
        numbers[key] = None if value is None else float(value)
    within = (duration(rule["renewal_within"], f"{where} renewal_within")
              if "renewal_within" in rule else None)
    result = RevenueRule(name=" ".join(name.split()), action=action, match=match,
                         arr_at_least=numbers["arr_at_least"], renewal_within=within,
                         segment=_words(rule, "segment", where, fail),
                         health_below=numbers["health_below"],
                         health=_words(rule, "health", where, fail))
    if (result.arr_at_least is None and within is None and not result.segment
            and result.health_below is None and not result.health):
        raise fail(where, "no condition (give arr_at_least, renewal_within, segment, "
                   "health_below or health)")
    return result
