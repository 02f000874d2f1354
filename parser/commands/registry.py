"""The reply commands as one table: the line reader's patterns, the typo guesses and the
help lines are all computed from it, so a command is added by adding its spec."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from parser.commands.spec import Spec

# after a label: "Status:", "**Status:**", "Status =", "Status："; possessive runs, so
# "status" + 10 KB of spaces is rejected in one pass, not n² steps
_AFTER_LABEL = r"[ \t]*+[*_]*+[ \t]*+[:：=][ \t]*+[*_]*+[ \t]*+(?P<value>.*)$"


def label_pattern(labels: Iterable[str]) -> str:
    """An alternation of labels, longest first; a space in a label is any run of spaces."""
    ordered = sorted(set(labels), key=lambda label: (-len(label), label))
    if not ordered:
        return "(?!)"  # no labels: matches nothing (an empty alternation would match "")
    return "|".join(r"\s+".join(re.escape(word) for word in label.split())
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
        words = [w for s in self.specs for w in s.words]
        labels = [label for s in self.commands for label in s.labels]
        self.ack = re.compile(rf"^(?P<word>{label_pattern(words)})[ \t]*+[.!]*+$", re.I)
        self.command = re.compile(rf"^(?P<label>{label_pattern(labels)}){_AFTER_LABEL}", re.I)

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

    def guesses(self) -> dict[str, Spec]:
        """The labels a typo'd one is compared with, and the command each one names."""
        return {label: spec for spec in self.commands for label in spec.typo_labels}

    def help(self, owner: str, footer: bool = False, answers: bool = False) -> list[Help]:
        """The help lines: every command's, or only the footer's (`footer`), or the review
        answers' (`answers`); `owner` is the Owner: example (a colleague's address)."""
        specs = self.answers if answers else self.commands
        return [Help(spec.help.replace("{owner}", owner), spec.detail)
                for spec in specs if spec.footer or not footer]


class Help(NamedTuple):
    text: str  # "Status: open | working | waiting | done"
    detail: str  # "(corrects the account)", or ""
