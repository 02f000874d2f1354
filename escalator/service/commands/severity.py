"""Severity: the targets are set again from the opening time; a rise above the current
rung notifies that rung at once, a fall un-notifies nobody."""

from escalator.service.commands import Context
from escalator.service.outbox import enqueue
from escalator.service.recipients import add_stakeholders, rung_addresses
from escalator.sla import retarget, rung_index
from models import Notice
from parser.result import Command


def apply(ctx: Context, command: Command) -> str | None:
    esc, settings, now, severity = ctx.esc, ctx.settings, ctx.now, int(command.value)
    if severity == esc.severity:
        return None
    before = esc.severity
    # a pause still running is not counted here: its resume counts it, once
    targets = retarget(settings.policy, before, severity, esc.opened_at, esc.response_due_at)
    esc.severity = severity
    esc.response_due_at = targets.response_due_at
    esc.resolution_due_at = targets.resolution_due_at
    change = f"severity {before} → {severity}"
    if rung_index(targets.first_rung) > rung_index(esc.rung):
        esc.rung = targets.first_rung
        people = rung_addresses(settings, esc, targets.first_rung)
        ctx.session.add(Notice(escalation_id=esc.id, target="new", rung=targets.first_rung,
                               due_at=now, sent_at=now))
        add_stakeholders(esc, settings, people)
        if enqueue(ctx.session, settings, kind="new", now=now, to=people, esc=esc) is not None:
            ctx.notified.extend(people)
        change += f"; {targets.first_rung} notified"
    return change
