"""Applying reply commands: one module per command, named as the parser's registry names
it (parser.commands.table.NAMES), each with one `apply(ctx, command)` that changes the
record and says what changed (None: nothing did). `Table` pairs the parser's registry
with these applies and refuses to exist when the two sets of names differ.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module

from sqlalchemy.orm import Session

from escalator.settings import Settings
from models import Escalation
from parser.commands import REGISTRY, Registry
from parser.result import Command


@dataclass
class Context:
    """What an apply may read and change; one per reply (or link, or API call)."""

    session: Session
    settings: Settings
    esc: Escalation
    actor: str
    now: datetime
    notified: list[str] = field(default_factory=list)  # who has heard already: no recap
    refused: list[str] = field(default_factory=list)  # what was not applied, said in the answer


Apply = Callable[[Context, Command], "str | None"]


@dataclass(frozen=True)
class Applier:
    apply: Apply
    event: str = ""  # the audit event's kind; "" = the command's name


class Table:
    """The parser's registry and an applier per name in it: the one table replies, links,
    the dashboard and the API apply commands through."""

    def __init__(self, registry: Registry, appliers: Mapping[str, Applier]) -> None:
        missing = sorted(set(registry.names) - set(appliers))
        if missing:
            raise ValueError("reply commands without an apply: " + ", ".join(missing))
        extra = sorted(set(appliers) - set(registry.names))
        if extra:
            raise ValueError("applies without a reply command: " + ", ".join(extra))
        self.registry = registry
        self.appliers = dict(appliers)

    def apply(self, ctx: Context, command: Command) -> str | None:
        return self.appliers[command.name].apply(ctx, command)

    def event(self, name: str) -> str:
        return self.appliers[name].event or name

    def is_answer(self, name: str) -> bool:
        return self.registry.by_name[name].answer

    def knows(self, name: str) -> bool:
        return name in self.appliers


def load(registry: Registry) -> dict[str, Applier]:
    """Each name's module of this package: its `apply`, and its `EVENT` if it has one."""
    appliers = {}
    for name in registry.names:
        module = import_module(f"{__name__}.{name}")
        appliers[name] = Applier(module.apply, getattr(module, "EVENT", ""))
    return appliers


TABLE = Table(REGISTRY, load(REGISTRY))
