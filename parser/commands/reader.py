"""Which commands does the new text of a reply give? One per line, "label: value",
case-insensitive, as the registry (parser.commands.table) lists them; any other text
becomes a single note.

A line may name its escalation first ("ESC-12: ack", "ESC-12 Status: working"): a reply
to a digest must. A line that looks like a command but is none ("Stauts: waiting") is a
problem naming the command it most likely meant, never a note.
"""

from __future__ import annotations

import difflib
import re

from parser.commands.registry import Registry, normal
from parser.commands.spec import Spec
from parser.commands.table import REGISTRY
from parser.result import Command, Problem

_LINE = 2000  # a command line is short; patterns see at most this much of a line
# a "Label:" at the start of a line: a command, a typo'd one, or prose ("Update: …")
_LABEL = re.compile(r"^(?P<label>[^\W\d_][^\W\d_ '’-]{0,20}(?:[ '’-][^\W\d_]{1,20}){0,2})"
                    r"[ \t]*+[*_]*+[ \t]*+[:：=]")
_PREFIX = re.compile(r"^\[?esc-(?P<id>\d{1,9})\]?(?![\w-])[ \t]*+[:：.,–—-]?[ \t]*+", re.I)
_BULLET = re.compile(r"^[ \t]*+(?:[•●◦▪\-*+]|\d{1,2}[.)])[ \t]++")


def _line(raw: str) -> str:
    text = _BULLET.sub("", raw.strip()[:_LINE])
    return re.sub(r"^[*_]++(?=\w)", "", text).strip()


def _one(spec: Spec, value: str, line: str) -> tuple[list[Command], Problem | None]:
    parsed = spec.parse(value.strip().strip("*_").strip())
    if isinstance(parsed, Problem):
        return [], parsed
    return [Command(spec.name, v, line) for v in spec.values(parsed)], None


def typo(line: str, registry: Registry = REGISTRY) -> str | None:
    """The command a line that looks like one most likely meant ("Status"), or None."""
    match = _LABEL.match(line)
    if match is None:
        return None
    label = normal(match.group("label"))
    if len(label) < 3 or label in registry.by_label:  # a review answer's label, say
        return None
    close = difflib.get_close_matches(label, list(registry.guesses), n=1, cutoff=0.8)
    if not close or not registry.guesses[close[0]].plausible(line[match.end():]):
        return None
    return close[0][:1].upper() + close[0][1:]


def _prefixed(line: str) -> tuple[int | None, str]:
    match = _PREFIX.match(line)
    if match is None:
        return None, line
    return int(match.group("id")), line[match.end():].strip()


def read(text: str, registry: Registry = REGISTRY
         ) -> tuple[tuple[Command, ...], tuple[Problem, ...]]:
    commands: list[Command] = []
    problems: list[Problem] = []
    notes: dict[int | None, list[str]] = {}  # per escalation named, None: the reply's own
    pending: tuple[Spec, str, int | None] | None = None  # a label whose value is below it
    for raw in text.split("\n"):
        escalation, line = _prefixed(_line(raw))
        if pending is not None:
            if (line and escalation is None and not registry.bare.match(line)
                    and not registry.command.match(line)):
                found, problem = _one(pending[0], line, pending[1] + " " + line)
                commands.extend(_named(found, pending[2]))
                problems.extend([problem] if problem else [])
                continue
            pending = None
        if not line:
            for note in notes.values():
                if note and note[-1]:
                    note.append("")
            continue
        bare = registry.bare.match(line)
        if bare is not None:
            found, problem = _one(registry.spec_of(bare), "", raw.strip())
            commands.extend(_named(found, escalation))
            problems.extend([problem] if problem else [])
            continue
        match = registry.command.match(line)
        if match is None:
            meant = typo(line, registry)
            if meant is not None:
                problems.append(Problem(line.split(":")[0].split("：")[0].strip()[:40], (
                    f"'{line[:200]}' is not a command — did you mean {meant}:? "
                    "Nothing was done for this line")))
                continue
            notes.setdefault(escalation, []).append(
                line if escalation is not None else raw.rstrip())
            continue
        spec = registry.spec_of(match)
        if not match.group("value").strip() and spec.next_line:
            pending = (spec, raw.strip(), escalation)
            continue
        found, problem = _one(spec, match.group("value"), raw.strip())
        commands.extend(_named(found, escalation))
        problems.extend([problem] if problem else [])
    for escalation, note in notes.items():
        free = "\n".join(note).strip()
        if free:
            commands.append(Command(registry.free_text, free, free.split("\n")[0], escalation))
    return tuple(commands), tuple(problems)


def _named(found: list[Command], escalation: int | None) -> list[Command]:
    if escalation is None:
        return found
    return [Command(c.name, c.value, c.line, escalation) for c in found]
