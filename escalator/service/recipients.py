"""Who gets which email: rung addresses, stakeholders, one email per person, never the mailbox."""

from __future__ import annotations

from collections.abc import Iterable

from escalator.settings import Settings
from models import Escalation


def dedupe(addresses: Iterable[str], *exclude: Iterable[str]) -> list[str]:
    """Lower-cased, first occurrence kept, excluded addresses dropped."""
    skip = {a.lower() for group in exclude for a in group}
    out: list[str] = []
    for a in addresses:
        a = a.strip().lower()
        if a and a not in skip and a not in out:
            out.append(a)
    return out


def mailbox(settings: Settings) -> list[str]:
    """The escalations mailbox never writes to itself."""
    return [settings.smtp.from_address.lower()]


def rung_addresses(settings: Settings, esc: Escalation, rung: str) -> list[str]:
    """A rung's people: the CSM for "csm", else the account team's ladder, else [ladder]."""
    if rung == "csm":
        return [esc.csm]
    team = esc.team or ""
    team_ladder = settings.teams.get(team, {})
    return list(team_ladder.get(rung) or settings.ladder.get(rung, ()))


def category_contacts(settings: Settings, category: str) -> list[str]:
    return list(settings.categories.get(category.strip().lower(), ()))


def add_stakeholders(esc: Escalation, settings: Settings, addresses: Iterable[str]) -> None:
    esc.stakeholders = dedupe([*esc.stakeholders, *addresses], mailbox(settings))
