"""Otherwise: is it a usable escalation in the template? Always answers: an Intake, or a
Rejection naming every missing field."""

from __future__ import annotations

from parser import intake
from parser.incoming import Incoming
from parser.result import Result


def check(incoming: Incoming) -> Result | None:
    return intake.read(incoming.envelope, incoming.body, incoming.settings)
