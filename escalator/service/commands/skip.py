"""Skip: a task not needed (or an ask not met), with the reason kept and shown."""

from escalator.service import tasks
from escalator.service.commands import Context
from escalator.service.commands.done import found
from parser.result import Command

EVENT = "task"


def apply(ctx: Context, command: Command) -> str | None:
    ref, _, why = command.value.partition("\t")
    task = found(ctx, ref, "Skip")
    if task is None:
        return None
    return tasks.close(ctx.session, ctx.settings, ctx.esc, task, "skipped", ctx.actor, ctx.now,
                       why.strip())
