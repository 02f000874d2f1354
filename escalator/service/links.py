"""Act on an escalation through a signed action link.

`look` (the page's GET) reads only: scanners open every link in an email, and a look must
not act. `act` (the button's POST) spends the token and applies its one action through
`apply_commands`, as the link's recipient, `via="link"`, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from escalator.links import ACTIONS, Claim, LinkRefused, Signer, is_used, spend
from escalator.service.replies import apply_commands
from escalator.settings import Settings
from models import Escalation
from parser.commands import REGISTRY
from parser.result import Command


@dataclass(frozen=True)
class Look:
    """What a link would do: `refused` (a key of links.REASONS) or `already` say it won't."""

    claim: Claim | None = None
    esc: Escalation | None = None
    refused: str = ""
    already: str = ""  # the escalation is in that state already: a sentence
    changes: list[str] = field(default_factory=list)  # after `act`: what changed


def command(claim: Claim) -> Command:
    """The link's action as the reply line it stands for, parsed by the command registry."""
    name, value = {"ack": ("ack", ""), "own": ("owner", claim.recipient)}.get(
        claim.action, ("status", claim.action))
    parsed = REGISTRY.parse(name, value)
    assert isinstance(parsed, tuple), parsed  # a signed action is always one of these
    return parsed[0]


def already(esc: Escalation, claim: Claim) -> str:
    if claim.action == "ack" and esc.acknowledged_at is not None:
        return f"ESC-{esc.id} is acknowledged already"
    if claim.action == "own" and esc.owner == claim.recipient:
        return f"ESC-{esc.id} is yours already: you are its owner"
    if claim.action in ("working", "waiting", "done") and esc.status == claim.action:
        return f"ESC-{esc.id} is at status {ACTIONS[claim.action]} already"
    return ""


def look(session: Session, signer: Signer, token: str, now: datetime, *,
         lock: bool = False) -> Look:
    """Read the token and the escalation (row-locked if asked, as a reply does); change
    nothing."""
    try:
        claim = signer.read(token, now, purpose="action")
    except LinkRefused as e:
        return Look(claim=e.claim, refused=e.reason)
    esc = session.get(Escalation, claim.escalation_id, with_for_update=lock,
                      populate_existing=lock)
    if esc is None or claim.action not in ACTIONS:
        return Look(claim=claim, refused="foreign")
    if is_used(session, token):
        return Look(claim=claim, esc=esc, refused="used")
    return Look(claim=claim, esc=esc, already=already(esc, claim))


def act(session: Session, settings: Settings, signer: Signer, token: str,
        now: datetime) -> Look:
    """Spend the token and apply its action; a refused or needless one changes nothing."""
    seen = look(session, signer, token, now, lock=True)
    if seen.refused or seen.already or seen.esc is None or seen.claim is None:
        return seen
    try:
        spend(session, token, seen.claim, now)
    except LinkRefused:
        return Look(claim=seen.claim, esc=seen.esc, refused="used")
    changes = apply_commands(session, settings, seen.esc, [command(seen.claim)],
                             actor=seen.claim.recipient, now=now, via="link")
    return Look(claim=seen.claim, esc=seen.esc, changes=changes)
