"""What the service tells the mail edges about one message it was handed."""

from __future__ import annotations

import enum
from collections.abc import Callable


class Outcome(enum.Enum):
    """The caller's verdict, given only after its transaction committed (or failed to)."""

    PROCESSED = "processed"  # recorded: move to the processed folder / answer 250
    FAILED = "failed"  # kept for a person (rejected, outsider, noise): failed folder / 250
    RETRY = "retry"  # not recorded: leave it in the inbox / answer 451


Handler = Callable[[bytes, int], Outcome]
"""handle(raw, size): `raw` is the whole message, or only its header when `size` (the
real size in bytes) is over the configured limit."""
