"""Which commands does the new text of a reply give? One per line, "label: value",
case-insensitive; any other text becomes a single note.

    ack | acknowledged            Status: open|working|waiting|done      Severity: 1-4
    Owner: address                Steps to Resolve: / Steps: text        Type: / Category:
    Links: urls                   Note: text                             Account: name

A line may name its escalation first ("ESC-12: ack", "ESC-12 Status: working"): a reply
to a digest must. A line that looks like a command but is none ("Stauts: waiting") is a
problem naming the command it most likely meant, never a note.
"""

from __future__ import annotations

import difflib
import re
from email.utils import parseaddr

from parser import fields
from parser.result import Command, Problem

STATUSES = ("open", "working", "waiting", "done")  # = models.escalation.STATUSES (pure: no import)
_LINE = 2000  # a command line is short; patterns see at most this much of a line
# possessive runs: "status" + 10 KB of spaces is rejected in one pass, not n² steps
_ACK = re.compile(r"^(?:ack|acked|acknowledged?|acknowledging)[ \t]*+[.!]*+$", re.I)
_COMMAND = re.compile(
    r"^(?P<label>status|severity|sev|owner|steps\s+to\s+resolve|steps|step|type|category|"
    r"links?|notes?|account|customer)[ \t]*+[*_]*+[ \t]*+[:：=][ \t]*+[*_]*+[ \t]*+(?P<value>.*)$",
    re.I,
)
_NAMES = {"sev": "severity", "steps to resolve": "steps", "step": "steps", "link": "links",
          "notes": "note", "customer": "account"}
# a "Label:" at the start of a line: a command, a typo'd one, or prose ("Update: …")
_LABEL = re.compile(r"^(?P<label>[^\W\d_][^\W\d_ '’-]{0,20}(?:[ '’-][^\W\d_]{1,20}){0,2})"
                    r"[ \t]*+[*_]*+[ \t]*+[:：=]")
# the labels a typo is compared with, and what each one's value looks like
_GUESSES = {"status": "status", "severity": "severity", "owner": "owner", "steps": "steps",
            "steps to resolve": "steps", "type": "type", "category": "category",
            "links": "links", "account": "account"}
_NOT_COMMANDS = {"root cause", "prevention", "satisfied", "customer satisfied"}  # review
_PREFIX = re.compile(r"^\[?esc-(?P<id>\d{1,9})\]?(?![\w-])[ \t]*+[:：.,–—-]?[ \t]*+", re.I)
_BULLET = re.compile(r"^[ \t]*+(?:[•●◦▪\-*+]|\d{1,2}[.)])[ \t]++")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _line(raw: str) -> str:
    text = _BULLET.sub("", raw.strip()[:_LINE])
    return re.sub(r"^[*_]++(?=\w)", "", text).strip()


def _one(name: str, value: str, line: str) -> tuple[list[Command], Problem | None]:
    value = value.strip().strip("*_").strip()
    if name == "status":
        word = value.lower().rstrip(".!")
        if word in STATUSES:
            return [Command("status", word, line)], None
        return [], Problem(
            "Status", f"'{value}' — not a status; use open, working, waiting or done"
        )
    if name == "severity":
        number, problem = fields.severity(value)
        if number is None:
            return [], problem or Problem("Severity", "empty — use 1–4")
        return [Command("severity", str(number), line)], None
    if name == "owner":
        address = parseaddr(value)[1].lower()
        if _ADDRESS.match(address):
            return [Command("owner", address, line)], None
        return [], Problem("Owner", f"'{value}' — not an e-mail address; use name@domain")
    if name == "links":
        found = fields.urls(value)
        if not found:
            return [], Problem("Links", f"'{value}' — no link found; use https://…")
        return [Command("links", url, line) for url in found], None
    if name == "type":
        value = fields.choice(value, fields.TYPES)
    if name == "category":
        value = fields.choice(value, fields.CATEGORIES)
    if not value:
        return [], Problem(name.capitalize(), "empty — write the text after the colon")
    return [Command(name, value, line)], None


def _plausible(name: str, value: str) -> bool:
    """Does the value fit the command a typo'd label is taken for? "Stats: 3 tickets"
    is prose; "Stauts: waiting" is a status."""
    word = value.strip().strip("*_.!").strip().lower()
    if name == "status":
        return word in STATUSES
    if name == "severity":
        return fields.severity(word)[0] is not None
    if name == "owner":
        return "@" in word
    return bool(word)


def typo(line: str) -> str | None:
    """The command a line that looks like one most likely meant ("Status"), or None."""
    match = _LABEL.match(line)
    if match is None:
        return None
    label = " ".join(match.group("label").lower().split())
    if label in _NOT_COMMANDS or len(label) < 3:
        return None
    close = difflib.get_close_matches(label, list(_GUESSES), n=1, cutoff=0.8)
    if not close or not _plausible(_GUESSES[close[0]], line[match.end():]):
        return None
    return close[0][:1].upper() + close[0][1:]


def _prefixed(line: str) -> tuple[int | None, str]:
    match = _PREFIX.match(line)
    if match is None:
        return None, line
    return int(match.group("id")), line[match.end():].strip()


def read(text: str) -> tuple[tuple[Command, ...], tuple[Problem, ...]]:
    commands: list[Command] = []
    problems: list[Problem] = []
    notes: dict[int | None, list[str]] = {}  # per escalation named, None: the reply's own
    pending: tuple[str, str, int | None] | None = None  # a label whose value is below it
    for raw in text.split("\n"):
        escalation, line = _prefixed(_line(raw))
        if pending is not None:
            if (line and escalation is None and not _ACK.match(line)
                    and not _COMMAND.match(line)):
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
        if _ACK.match(line):
            commands.append(Command("ack", "", raw.strip(), escalation))
            continue
        match = _COMMAND.match(line)
        if match is None:
            meant = typo(line)
            if meant is not None:
                problems.append(Problem(line.split(":")[0].split("：")[0].strip()[:40], (
                    f"'{line[:200]}' is not a command — did you mean {meant}:? "
                    "Nothing was done for this line")))
                continue
            notes.setdefault(escalation, []).append(
                line if escalation is not None else raw.rstrip())
            continue
        label = re.sub(r"\s+", " ", match.group("label").lower())
        name = _NAMES.get(label, label)
        if not match.group("value").strip() and name in ("steps", "note", "links"):
            pending = (name, raw.strip(), escalation)
            continue
        found, problem = _one(name, match.group("value"), raw.strip())
        commands.extend(_named(found, escalation))
        problems.extend([problem] if problem else [])
    for escalation, note in notes.items():
        free = "\n".join(note).strip()
        if free:
            commands.append(Command("note", free, free.split("\n")[0], escalation))
    return tuple(commands), tuple(problems)


def _named(found: list[Command], escalation: int | None) -> list[Command]:
    if escalation is None:
        return found
    return [Command(c.name, c.value, c.line, escalation) for c in found]
