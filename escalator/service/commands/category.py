"""Category: set."""

from escalator.service.commands import Context
from parser.result import Command


def apply(ctx: Context, command: Command) -> str | None:
    ctx.esc.category = command.value
    return f"category set to {command.value}"
