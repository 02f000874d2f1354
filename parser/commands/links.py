"""Links: one or more URLs, added to the relevant links (one command per URL)."""

from parser import fields
from parser.commands.spec import Parsed, Spec
from parser.result import Problem


def parse(value: str) -> Parsed:
    found = fields.urls(value)
    if not found:
        return Problem("Links", f"'{value}' — no link found; use https://…")
    return found


SPEC = Spec("links", "Links: https://...", parse, labels=("links", "link"), footer=False,
            next_line=True)
