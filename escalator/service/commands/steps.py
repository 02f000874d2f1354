"""Steps: one more step to resolve."""

from escalator.service.commands import Context
from parser.result import Command


def apply(ctx: Context, command: Command) -> str | None:
    ctx.esc.steps = [*ctx.esc.steps, command.value]
    return f"step to resolve added: {command.value}"
