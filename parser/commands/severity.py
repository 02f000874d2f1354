"""Severity: 1-4 (or "Sev 2", "P1", "critical"): the targets are set again from it."""

from parser import fields
from parser.commands.spec import Parsed, Spec
from parser.result import Problem


def parse(value: str) -> Parsed:
    number, problem = fields.severity(value)
    if number is None:
        return problem or Problem("Severity", "empty — use 1–4")
    return str(number)


def plausible(value: str) -> bool:
    return fields.severity(value.strip().strip("*_.!").strip().lower())[0] is not None


SPEC = Spec("severity", "Severity: 1-4", parse, labels=("severity", "sev"),
            plausible=plausible)
