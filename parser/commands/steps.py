"""Steps: a step to resolve, added to the list ("Steps to Resolve:" as the template says)."""

from parser.commands.spec import Spec, nonempty

SPEC = Spec("steps", "Steps: ...", nonempty("Steps"),
            labels=("steps to resolve", "steps", "step"),
            guesses=("steps", "steps to resolve"), next_line=True)
