"""Prevention: what would have prevented it (a review answer; may go on below its label)."""

from parser.commands.spec import Spec, nonempty

SPEC = Spec("prevention", "Prevention: ...", nonempty("Prevention"),
            labels=("prevention", "what would have prevented it", "what would have prevented it?"),
            detail="(what would have prevented it)", footer=False, guesses=(), next_line=True,
            answer=True)
