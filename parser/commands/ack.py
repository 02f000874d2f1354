"""ack: a line of the word alone ("ack", "Acknowledged.") acknowledges the escalation."""

from parser.commands.spec import Parsed, Spec


def parse(value: str) -> Parsed:
    return ""


SPEC = Spec("ack", "ack", parse,
            words=("ack", "acked", "acknowledge", "acknowledged", "acknowledging"))
