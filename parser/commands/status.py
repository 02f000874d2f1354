"""Status: open | working | waiting | done ("waiting", on the customer, stops the clocks).
"done anyway" closes it while an ask is still open (plain "done" is refused then)."""

import re

from parser.commands.spec import Parsed, Spec
from parser.result import Problem

STATUSES = ("open", "working", "waiting", "done")  # = models.escalation.STATUSES (pure: no import)


def _word(value: str) -> str:
    return value.lower().rstrip(".!")


def parse(value: str) -> Parsed:
    if _word(value) in STATUSES:
        return _word(value)
    if re.fullmatch(r"done[ \t,]+anyway", _word(value)):
        return "done anyway"
    return Problem("Status", f"'{value}' — not a status; use open, working, waiting or done")


def plausible(value: str) -> bool:
    return value.strip().strip("*_.!").strip().lower() in STATUSES


SPEC = Spec("status", "Status: " + " | ".join(STATUSES), parse, labels=("status",),
            plausible=plausible)
