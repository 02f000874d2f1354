"""Category: Product | Services | … (parser.fields.CATEGORIES), or other text."""

from parser import fields
from parser.commands.spec import Parsed, Spec, nonempty


def parse(value: str) -> Parsed:
    return nonempty("Category")(fields.choice(value, fields.CATEGORIES))


SPEC = Spec("category", "Category: " + " | ".join(fields.CATEGORIES[:4]) + " | ...", parse,
            labels=("category",), footer=False)
