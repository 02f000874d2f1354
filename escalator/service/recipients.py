"""Who gets which email: rung addresses, stakeholders, one email per person, never the mailbox."""

from __future__ import annotations

from collections.abc import Iterable

from escalator.settings import Settings
from models import Escalation
from parser.screen.sender import is_internal


def dedupe(addresses: Iterable[str], *exclude: Iterable[str]) -> list[str]:
    """Lower-cased, first occurrence kept, excluded addresses dropped."""
    skip = {a.lower() for group in exclude for a in group}
    out: list[str] = []
    for a in addresses:
        a = a.strip().lower()
        if a and a not in skip:
            skip.add(a)
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
    """Addresses from the config (rungs, category contacts): always added."""
    esc.stakeholders = dedupe([*esc.stakeholders, *addresses], mailbox(settings))


def may_take_part(address: str, settings: Settings) -> bool:
    """An owner, a stakeholder named by mail or a sign-in: a colleague (an internal domain)
    or an address on [organization] allowed_external."""
    a = address.strip().lower()
    return "@" in a and (is_internal(a, settings.internal_domains)
                         or a in settings.allowed_external)


def add_people(esc: Escalation, settings: Settings, addresses: Iterable[str]) -> list[str]:
    """People named by mail (sender, Cc, Owner:) become stakeholders if they may take part,
    up to [organization] max_stakeholders; return those left out, for the answer."""
    current = set(esc.stakeholders)
    added: list[str] = []
    left_out: list[str] = []
    for a in dedupe(addresses, current, mailbox(settings)):
        if not may_take_part(a, settings) or len(current) + len(added) >= \
                settings.max_stakeholders:
            left_out.append(a)
        else:
            added.append(a)
    if added:
        esc.stakeholders = [*esc.stakeholders, *added]
    return left_out


def left_out_problem(esc: Escalation, settings: Settings, left_out: list[str]) -> str | None:
    """One sentence for the answer about the people add_people left out."""
    if not left_out:
        return None
    outside = [a for a in left_out if not may_take_part(a, settings)]
    full = len(left_out) - len(outside)
    parts = []
    if outside:
        shown = ", ".join(outside[:3]) + (f" and {len(outside) - 3} more" if len(outside) > 3
                                           else "")
        parts.append(f"{shown}: not a colleague's address, so not added (only internal "
                     "domains and [organization] allowed_external take part)")
    if full:
        parts.append(f"{full} {'person' if full == 1 else 'people'} not added: ESC-{esc.id} "
                     f"has {settings.max_stakeholders} stakeholders, the most allowed "
                     "([organization] max_stakeholders)")
    return "Stakeholders: " + "; ".join(parts)
