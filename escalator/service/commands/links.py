"""Links: added to the relevant links."""

from escalator.service.commands import Context
from parser.result import Command


def apply(ctx: Context, command: Command) -> str | None:
    ctx.esc.links = [*ctx.esc.links, *command.value.split()]
    return f"links added: {command.value}"
