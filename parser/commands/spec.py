"""What one reply command is: its labels, its help line and a pure parse of its value.
The service applies it by the same name (escalator/service/commands/NAME.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from parser.result import Problem

# what a parse gives: one normalised value (one command), several (Links: one per URL),
# or a Problem saying what is wrong with the value
Parsed = str | tuple[str, ...] | Problem


def _given(value: str) -> bool:
    return bool(value.strip().strip("*_.!").strip())


@dataclass(frozen=True)
class Spec:
    name: str  # the Command's name; the service's module of the same name applies it
    help: str  # the help line: "Status: open | working | waiting | done"
    parse: Callable[[str], Parsed]  # the value after the colon, stripped -> value(s) | Problem
    # "Label: value", lower-case; in a label a space stands for any run of spaces, a hyphen
    # for any run of spaces and hyphens or none (registry.label_pattern)
    labels: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # a line of this word alone ("ack"), lower-case
    detail: str = ""  # said after the help line where there is room: "(corrects the account)"
    footer: bool = True  # listed in every email's footer (the dashboard lists all)
    # the labels a typo'd one is compared with ("Stauts:" -> Status), None: the first label
    guesses: tuple[str, ...] | None = None
    plausible: Callable[[str], bool] = _given  # does a typo'd line's value fit this command?
    next_line: bool = False  # "Steps:" alone takes the line below as its value
    # a post-escalation review answer: read from the whole new text (parser.commands.answers),
    # not line by line, and applied after the other commands of the reply
    answer: bool = False

    @property
    def typo_labels(self) -> tuple[str, ...]:
        return self.labels[:1] if self.guesses is None else self.guesses

    @staticmethod
    def values(parsed: str | tuple[str, ...]) -> tuple[str, ...]:
        """A parse's value(s), one per command."""
        return (parsed,) if isinstance(parsed, str) else parsed

    @property
    def title(self) -> str:
        """How answers name it: "Status", "Root cause"."""
        return self.help.split(":")[0].strip()


def nonempty(title: str) -> Callable[[str], Parsed]:
    """The parse of a free-text command: any text, but not none."""
    def parse(value: str) -> Parsed:
        if not value:
            return Problem(title, "empty — write the text after the colon")
        return value
    return parse
