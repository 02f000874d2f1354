"""The post-escalation review's answers in a reply's new text (`Satisfied: yes`,
`Root cause: ...`, `Prevention: ...`: the registry's specs with answer=True).

Read from the whole text, not by the line reader: an answer's label alone takes the
lines below it, up to a blank line or another answer. To the line reader they are free
text; the service takes their lines out of the note (service/review.without_answers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from parser.commands.registry import Registry
from parser.commands.table import REGISTRY
from parser.result import Command, Problem


@dataclass(frozen=True)
class Answers:
    satisfied: bool | None = None
    root_cause: str | None = None
    prevention: str | None = None
    lines: tuple[str, ...] = ()  # the lines they came from, to keep them out of the note
    problems: tuple[str, ...] = field(default_factory=tuple)
    commands: tuple[Command, ...] = ()  # the same answers as commands, in the registry's order

    def __bool__(self) -> bool:
        return bool(self.commands)


@lru_cache(maxsize=8)
def _pattern(registry: Registry) -> re.Pattern[str]:
    labels = registry.alternation(registry.answers)
    return re.compile(rf"^\s*(?:[•●◦▪\-*+]\s+)?[*_]*(?P<label>{labels})[*_]*\s*[:：=]\s*"
                      r"[*_]*(?P<value>.*)$", re.I)


def read_answers(text: str, registry: Registry = REGISTRY) -> Answers:
    """The review answers in a reply's new text. A label with nothing after it takes the
    following lines (for an answer with next_line), until a blank line or another label."""
    found: dict[str, str] = {}
    first: dict[str, str] = {}  # each answer's first line, for the Command
    lines: list[str] = []
    current: str | None = None
    for raw in text.splitlines():
        m = _pattern(registry).match(raw)
        if m:
            spec = registry.spec_of(m)
            current = spec.name
            found[current] = m.group("value").strip().strip("*_").strip()
            first[current] = raw.strip()
            lines.append(raw)
            if found[current] or not spec.next_line:
                current = None  # the value is on its line: what follows is not part of it
        elif current and raw.strip():
            found[current] = (found[current] + " " + raw.strip()).strip()
            lines.append(raw)
        else:
            current = None
    commands: list[Command] = []
    problems: list[str] = []
    for spec in registry.answers:
        value = found.get(spec.name)
        if value is None or (not value and spec.next_line):
            continue  # not answered ("Root cause:" with nothing below it says nothing)
        parsed = spec.parse(value)
        if isinstance(parsed, Problem):
            problems.append(str(parsed))
            continue
        for one in spec.values(parsed):
            commands.append(Command(spec.name, one, first[spec.name]))
    given = {c.name: c.value for c in commands}
    satisfied = given.get("satisfied")
    return Answers(None if satisfied is None else satisfied == "yes", given.get("root_cause"),
                   given.get("prevention"), tuple(lines), tuple(problems), tuple(commands))
