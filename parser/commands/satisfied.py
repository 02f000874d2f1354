"""Satisfied: yes | no — the review's first answer: is the customer satisfied?"""

from parser.commands.spec import Parsed, Spec
from parser.result import Problem

_YES = {"yes", "y", "true", "satisfied"}
_NO = {"no", "n", "false", "not satisfied", "unsatisfied"}


def parse(value: str) -> Parsed:
    word = value.lower().rstrip(".!")
    if word in _YES or word in _NO:
        return "yes" if word in _YES else "no"
    return Problem("Satisfied", f"'{value}' — answer yes or no")


SPEC = Spec("satisfied", "Satisfied: yes", parse, labels=("satisfied", "customer satisfied"),
            detail="(is the customer satisfied? yes or no)", footer=False, guesses=(),
            answer=True)
