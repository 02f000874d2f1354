"""Take: an ask of the Escalation Ask list, by number ("Take: 1" or "Take: A1"): the sender
owns it from now on."""

from parser.commands.spec import Spec, nonempty

SPEC = Spec("take", "Take: A1", nonempty("Take"), labels=("take",), footer=False,
            detail="(an ask is yours)")
