"""The reply commands: one module per command (its labels, help line and pure parse),
listed once in `table.NAMES`. The line reader (`read`), the typo guesses, the review
answers' reader (`answers`) and every help footer read that table; the service applies
each command by its name (escalator/service/commands/NAME.py), and a test pins the two
sets equal.

To add a command: a module here with its SPEC, its name in table.NAMES, and its apply in
escalator/service/commands/NAME.py.
"""

from __future__ import annotations

from parser.commands.answers import Answers, read_answers
from parser.commands.reader import read, typo
from parser.commands.registry import Help, Registry
from parser.commands.spec import Parsed, Spec
from parser.commands.status import STATUSES
from parser.commands.table import NAMES, REGISTRY, SPECS

__all__ = ["NAMES", "REGISTRY", "SPECS", "STATUSES", "Answers", "Help", "Parsed", "Registry",
           "Spec", "read", "read_answers", "typo"]
