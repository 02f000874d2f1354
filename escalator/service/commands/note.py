"""Note: nothing on the record changes; the note is the audit event and the recap's line."""

from escalator.service.commands import Context
from parser.result import Command


def apply(ctx: Context, command: Command) -> str | None:
    return f"note: {command.value}"
