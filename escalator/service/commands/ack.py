"""ack: acknowledged now, by whoever said so; a second ack changes nothing."""

from escalator.service.commands import Context
from parser.result import Command


def apply(ctx: Context, command: Command) -> str | None:
    if ctx.esc.acknowledged_at is not None:
        return None
    ctx.esc.acknowledged_at = ctx.now
    return f"acknowledged by {ctx.actor}"
