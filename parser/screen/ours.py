"""Which of our own Message-IDs (<esc-N.KIND.HEX@domain>) does a text name?

Read in two linear steps, so no text makes it slow (a bounce quoting 160 KB of "esc-1."
once took a minute): each run of Message-ID characters ending in "@domain" is found
once, and the id is looked for inside that run only.
"""

from __future__ import annotations

import re
from functools import lru_cache

from parser.limits import escalation_number

_LOCAL = "A-Za-z0-9_.-"  # the characters of our local parts
_OURS = re.compile(r"esc-(\d+)\.[A-Za-z0-9_.-]*", re.I)
_START = re.compile(r"(?<!\w)esc-\d+\.", re.I)


@lru_cache(maxsize=16)
def _runs(domain: str) -> re.Pattern[str]:
    # possessive: a run is read once; a match starts only where a run starts
    return re.compile(rf"(?<![{_LOCAL}])[{_LOCAL}]++@{re.escape(domain)}\b", re.I)


def _found(text: str, domain: str) -> list[tuple[str, int]]:
    """(Message-ID, N) of each of ours in the text, in order."""
    found: list[tuple[str, int]] = []
    tail = len(domain) + 1
    for run in _runs(domain).finditer(text):
        end = run.end() - tail
        start = _START.search(text, run.start(), end)  # sees the character before the run
        if start is None:
            continue
        match = _OURS.fullmatch(text, start.start(), end)
        number = escalation_number(match.group(1)) if match else None
        if match is not None and number is not None:
            found.append((text[start.start() : run.end()], number))
    return found


def escalation_ids(text: str, domain: str) -> list[int]:
    return [number for _, number in _found(text, domain)]


def first_id(text: str, domain: str) -> str | None:
    """Our first full Message-ID in a text, without angle brackets."""
    found = _found(text, domain)
    return found[0][0] if found else None


def is_ours(message_id: str, domain: str) -> bool:
    """Is this Message-ID, as a whole, one of ours?"""
    found = _found(message_id, domain)
    return bool(found) and found[0][0] == message_id
