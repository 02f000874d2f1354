"""Status: waiting pauses the SLA clocks, leaving waiting resumes them (the targets move
by the pause); working or done acknowledges; done resolves."""

from escalator.service import tasks
from escalator.service.commands import Context
from escalator.sla import resume
from parser.result import Command


def apply(ctx: Context, command: Command) -> str | None:
    esc, now, status = ctx.esc, ctx.now, command.value
    anyway = status == "done anyway"
    status = "done" if anyway else status
    if status == esc.status:
        return None
    asks = tasks.open_asks(ctx.session, esc) if status == "done" else []
    if asks and not anyway:
        listed = "; ".join(f"{t.label} {t.title} ({t.assignee or 'not taken'})" for t in asks)
        ctx.refused.append(
            f"Status: done — not applied: {len(asks)} ask{'s' if len(asks) > 1 else ''} "
            f"still open: {listed[:800]}. Reply 'Done: A1' for an ask met, 'Skip: A1 reason' "
            "for one not met, or 'Status: done anyway' to close it as it is")
        return None
    before = esc.status
    if before == "done":
        tasks.reopen_all(ctx.session, esc)  # open again: its open tasks are looked at again
    if before == "waiting" and esc.paused_at is not None:
        r = resume(ctx.settings.policy, esc.severity, esc.paused_at, now, esc.response_due_at,
                   esc.resolution_due_at)
        esc.response_due_at, esc.resolution_due_at = r.response_due_at, r.resolution_due_at
        esc.paused_seconds += int(r.waited.total_seconds())
        esc.paused_at = None
    if status == "waiting":
        esc.paused_at = now
    if status in ("working", "done") and esc.acknowledged_at is None:
        esc.acknowledged_at = now  # acting on it is an acknowledgement
    esc.resolved_at = now if status == "done" else None
    esc.status = status
    return f"status {before} → {status}" + (
        f" (with {len(asks)} ask{'s' if len(asks) > 1 else ''} open)" if asks else "")
