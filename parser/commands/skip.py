"""Skip: a task not needed, with the reason ("Skip: 3 the customer called us"); an ask not
met ("Skip: A2 no pricing flexibility this quarter"). Value: "REF<tab>reason"."""

import re

from parser.commands.spec import Parsed, Spec
from parser.result import Problem

# a number or A-number first; else a title, then " - ", " — " or ": " and the reason
_NUMBERED = re.compile(r"^(?P<ref>[Aa]?\d{1,4})(?![\w])[ \t]*+[-–—:,.]?[ \t]*+(?P<why>.*)$")
_TITLED = re.compile(r"^(?P<ref>.+?)[ \t]+[-–—][ \t]+(?P<why>.*)$")


def parse(value: str) -> Parsed:
    if not value:
        return Problem("Skip", "empty — write the task's number and why, e.g. Skip: 3 not needed")
    m = _NUMBERED.match(value) or _TITLED.match(value)
    ref, why = (m.group("ref"), m.group("why").strip()) if m else (value, "")
    return f"{ref.strip()}\t{why}"


SPEC = Spec("skip", "Skip: 3 reason", parse, labels=("skip",), footer=False,
            detail="(a task not needed; an ask not met)")
