"""Owner: only a colleague (an internal domain, or [organization] allowed_external) may
own an escalation; the new owner becomes a stakeholder."""

from escalator.service.commands import Context
from escalator.service.recipients import add_people, left_out_problem, may_take_part
from parser.result import Command


def apply(ctx: Context, command: Command) -> str | None:
    address, esc = command.value.lower(), ctx.esc
    if not may_take_part(address, ctx.settings):
        ctx.refused.append(f"Owner: '{address}' — not a colleague's address, so the owner "
                           f"stays {esc.owner} (an owner is in an internal domain or on "
                           "[organization] allowed_external)")
        return None
    esc.owner = address
    problem = left_out_problem(esc, ctx.settings, add_people(esc, ctx.settings, [address]))
    if problem:
        ctx.refused.append(problem)
    return f"owner set to {address}"
