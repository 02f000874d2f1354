"""Which commands does the new text of a reply give? One per line, "label: value",
case-insensitive; any other text becomes a single note.

    ack | acknowledged            Status: open|working|waiting|done      Severity: 1-4
    Owner: address                Steps to Resolve: / Steps: text        Type: / Category:
    Links: urls                   Note: text
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from parser import fields
from parser.result import Command, Problem

STATUSES = ("open", "working", "waiting", "done")  # = models.escalation.STATUSES (pure: no import)
_ACK = re.compile(r"^(?:ack|acked|acknowledged?|acknowledging)\s*[.!]*$", re.I)
_COMMAND = re.compile(
    r"^(?P<label>status|severity|sev|owner|steps\s+to\s+resolve|steps|type|category|links?|"
    r"note)\s*[*_]*\s*[:：=]\s*[*_]*\s*(?P<value>.*)$",
    re.I,
)
_NAMES = {"sev": "severity", "steps to resolve": "steps", "link": "links"}
_BULLET = re.compile(r"^\s*(?:[•●◦▪\-*+]|\d{1,2}[.)])\s+")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _line(raw: str) -> str:
    text = _BULLET.sub("", raw.strip())
    return re.sub(r"^[*_]+(?=\w)", "", text).strip()


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


def read(text: str) -> tuple[tuple[Command, ...], tuple[Problem, ...]]:
    commands: list[Command] = []
    problems: list[Problem] = []
    note: list[str] = []
    pending: tuple[str, str] | None = None  # a label whose value is on the next lines
    for raw in text.split("\n"):
        line = _line(raw)
        if pending is not None:
            if line and not _ACK.match(line) and not _COMMAND.match(line):
                found, problem = _one(pending[0], line, pending[1] + " " + line)
                commands.extend(found)
                problems.extend([problem] if problem else [])
                continue
            pending = None
        if not line:
            if note and note[-1]:
                note.append("")
            continue
        if _ACK.match(line):
            commands.append(Command("ack", "", raw.strip()))
            continue
        match = _COMMAND.match(line)
        if match is None:
            note.append(raw.rstrip())
            continue
        label = re.sub(r"\s+", " ", match.group("label").lower())
        name = _NAMES.get(label, label)
        if not match.group("value").strip() and name in ("steps", "note", "links"):
            pending = (name, raw.strip())
            continue
        found, problem = _one(name, match.group("value"), raw.strip())
        commands.extend(found)
        problems.extend([problem] if problem else [])
    free = "\n".join(note).strip()
    if free:
        commands.append(Command("note", free, free.split("\n")[0]))
    return tuple(commands), tuple(problems)
