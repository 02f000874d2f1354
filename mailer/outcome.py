"""What the service tells the mail edges about one message it was handed."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class Outcome(enum.Enum):
    """The caller's verdict, given only after its transaction committed (or failed to)."""

    PROCESSED = "processed"  # recorded: move to the processed folder / answer 250
    FAILED = "failed"  # kept for a person (rejected, outsider, noise): failed folder / 250
    RETRY = "retry"  # not recorded: leave it in the inbox / answer 451


Handler = Callable[[bytes, int], Outcome]
"""handle(raw, size): `raw` is the whole message, or only its header when `size` (the
real size in bytes) is over the configured limit."""


@dataclass(frozen=True)
class Batch:
    """A handler for many messages at once: it commits them together and answers one
    Outcome (or None: leave it in the inbox) per message, in order. One commit per batch
    instead of one per message is what makes a large backlog drain fast."""

    handle_all: Callable[[Sequence[tuple[bytes, int]]], Sequence[Outcome | None]]
