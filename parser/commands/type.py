"""Type: Help Needed | Churn Risk | Visibility, or other text."""

from parser import fields
from parser.commands.spec import Parsed, Spec, nonempty


def parse(value: str) -> Parsed:
    return nonempty("Type")(fields.choice(value, fields.TYPES))


SPEC = Spec("type", "Type: " + " | ".join(fields.TYPES), parse, labels=("type",),
            footer=False)
