"""Type: set."""

from escalator.service.commands import Context
from parser.result import Command


def apply(ctx: Context, command: Command) -> str | None:
    ctx.esc.type = command.value
    return f"type set to {command.value}"
