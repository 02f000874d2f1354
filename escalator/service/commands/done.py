"""Done: a task done, or an ask met; the tasks that follow it count from now."""

from escalator.service import tasks
from escalator.service.commands import Context
from models import Task
from parser.result import Command

EVENT = "task"


def apply(ctx: Context, command: Command) -> str | None:
    task = found(ctx, command.value, "Done")
    if task is None:
        return None
    return tasks.close(ctx.session, ctx.settings, ctx.esc, task, "done", ctx.actor, ctx.now)


def found(ctx: Context, ref: str, label: str, kind: str | None = None) -> Task | None:
    """The open task or ask `ref` names; else None, with why in ctx.refused."""
    task = tasks.find(ctx.session, ctx.esc, ref, kind)
    if task is None:
        rows = tasks.of(ctx.session, ctx.esc)
        known = ", ".join(f"{t.label} {t.title}" for t in rows
                          if kind is None or t.kind == kind) or "none"
        ctx.refused.append(f"{label}: '{ref}' — {ctx.esc.ref} has no such "
                           f"{'ask' if kind == 'ask' else 'task'} (known: {known[:500]})")
        return None
    if task.state != "open":
        word = {"done": "met" if task.kind == "ask" else "done", "skipped": "skipped"}
        ctx.refused.append(f"{label}: {task.label} ({task.title}) is {word[task.state]} "
                           f"already, by {task.closed_by}")
        return None
    return task
