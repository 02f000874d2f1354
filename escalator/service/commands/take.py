"""Take: an ask is the sender's from now on (its reminders and climb follow them)."""

from escalator.service import tasks
from escalator.service.commands import Context
from escalator.service.commands.done import found
from parser.result import Command

EVENT = "task"


def apply(ctx: Context, command: Command) -> str | None:
    task = found(ctx, command.value, "Take", kind="ask")
    if task is None:
        return None
    if task.assignee == ctx.actor:
        return None
    return tasks.take(task, ctx.actor, ctx.now)
