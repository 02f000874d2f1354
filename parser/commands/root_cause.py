"""Root cause: what caused the escalation (a review answer; may go on below its label)."""

from parser.commands.spec import Spec, nonempty

SPEC = Spec("root_cause", "Root cause: ...", nonempty("Root cause"),
            labels=("root cause", "root-cause"),
            detail="(what caused the escalation)", footer=False, guesses=(), next_line=True,
            answer=True)
