"""The reply commands as one table: the line reader's patterns, the typo guesses and the
help lines are all computed from it, so a command is added by adding its spec."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from parser.commands.spec import Spec
from parser.result import Command, Problem

# after a label: "Status:", "**Status:**", "Status =", "Status："; possessive runs, so
# "status" + 10 KB of spaces is rejected in one pass, not n² steps
_AFTER_LABEL = r"[ \t]*+[*_]*+[ \t]*+[:：=][ \t]*+[*_]*+[ \t]*+(?P<value>.*)$"


def label_pattern(labels: Iterable[str]) -> str:
    """An alternation of labels, longest first. A space in a label is any run of spaces;
    a hyphen any run of spaces and hyphens, or none ("root-cause": "Root cause", "Rootcause")."""
    ordered = sorted(set(labels), key=lambda label: (-len(label), label))
    if not ordered:
        return "(?!)"  # no labels: matches nothing (an empty alternation would match "")
    return "|".join(r"\s+".join(r"[\s-]*".join(re.escape(part) for part in word.split("-"))
                                for word in label.split())
                    for label in ordered)


def normal(label: str) -> str:
    """A label as typed, as the registry keys it: "Steps  to Resolve" -> "steps to resolve"."""
    return " ".join(label.lower().split())


class Registry:
    """The specs in help order; the patterns and lookups built from them once."""

    def __init__(self, specs: Iterable[Spec], free_text: str = "note") -> None:
        self.specs = tuple(specs)
        self.free_text = free_text  # what the rest of a reply's new text becomes
        self.by_name: dict[str, Spec] = {}
        self.by_label: dict[str, Spec] = {}
        for spec in self.specs:
            if spec.name in self.by_name:
                raise ValueError(f"reply command {spec.name!r} is in the registry twice")
            self.by_name[spec.name] = spec
            for label in (*spec.labels, *spec.words):
                if normal(label) in self.by_label:
                    raise ValueError(f"label {label!r} of {spec.name!r} is "
                                     f"{self.by_label[normal(label)].name!r}'s already")
                self.by_label[normal(label)] = spec
        if free_text not in self.by_name:
            raise ValueError(f"the free-text command {free_text!r} has no spec")
        self.bare = re.compile(rf"^(?:{self.alternation(self.specs, words=True)})"
                               r"[ \t]*+[.!]*+$", re.I)  # "ack", "Acknowledged."
        self.command = re.compile(rf"^(?P<label>{self.alternation(self.commands)})"
                                  + _AFTER_LABEL, re.I)
        # the labels a typo'd one is compared with, and the command each one names
        self.guesses = {label: spec for spec in self.commands for label in spec.typo_labels}

    def alternation(self, specs: Iterable[Spec], words: bool = False) -> str:
        """The specs' labels (or bare words) as one alternation, a named group per spec,
        so a match says whose label it was (`spec_of`), however the label was spaced."""
        groups = [f"(?P<_{self.specs.index(spec)}>{label_pattern(found)})" for spec in specs
                  if (found := spec.words if words else spec.labels)]
        return "|".join(groups) or "(?!)"

    def spec_of(self, match: re.Match[str]) -> Spec:
        """The spec whose label (or word) a match of an `alternation` pattern found."""
        for key, value in match.groupdict().items():
            if value is not None and key.startswith("_"):
                return self.specs[int(key[1:])]
        raise LookupError("the match is not of a registry's alternation")

    def __repr__(self) -> str:
        return f"Registry({', '.join(self.names)})"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.specs)

    @property
    def commands(self) -> tuple[Spec, ...]:
        """The specs the line reader reads ("Label: value" or a word alone)."""
        return tuple(spec for spec in self.specs if not spec.answer)

    @property
    def answers(self) -> tuple[Spec, ...]:
        """The review answers, read from the whole new text (parser.commands.answers)."""
        return tuple(spec for spec in self.specs if spec.answer)

    def parse(self, name: str, value: str) -> tuple[Command, ...] | Problem:
        """One command given by name and value, not typed in a reply (the API, a form):
        the same parse as a reply's line "Name: value"."""
        spec = self.by_name.get(name)
        if spec is None:
            return Problem(name[:40], "not a command; use one of " + ", ".join(self.names))
        parsed = spec.parse(value.strip().strip("*_").strip())
        if isinstance(parsed, Problem):
            return parsed
        line = f"{spec.title}: {value}" if spec.labels else spec.help
        return tuple(Command(name, v, line) for v in spec.values(parsed))

    def help(self, owner: str, footer: bool = False, answers: bool = False) -> list[Help]:
        """The help lines: every command's, or only the footer's (`footer`), or the review
        answers' (`answers`); `owner` is the Owner: example (a colleague's address)."""
        specs = self.answers if answers else self.commands
        return [Help(spec.help.replace("{owner}", owner), spec.detail)
                for spec in specs if spec.footer or not footer]


class Help(NamedTuple):
    text: str  # "Status: open | working | waiting | done"
    detail: str  # "(corrects the account)", or ""
