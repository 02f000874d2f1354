"""Account: re-linked to the account directory as intake does; the account's team climbs."""

from escalator.service.accounts import csm_team, link_escalation
from escalator.service.commands import Context
from models import EscalationAccount
from parser.result import Command


def apply(ctx: Context, command: Command) -> str | None:
    esc, session = ctx.esc, ctx.session
    before = esc.account
    link = session.get(EscalationAccount, esc.id)
    if link is not None:
        session.delete(link)
        session.flush()  # one link row per escalation: the old one goes first
    esc.account = command.value
    found = link_escalation(session, esc, ctx.now)
    esc.team = found.team or csm_team(session, esc.csm) or None
    if esc.account == before:
        return None
    return f"account {before} → {esc.account}"
