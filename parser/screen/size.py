"""Is the message larger than we read? Then it is rejected unparsed, from its headers."""

from __future__ import annotations

from parser.incoming import Incoming
from parser.result import Problem, Rejection, Result


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def check(incoming: Incoming) -> Result | None:
    limit = incoming.settings.max_message_bytes
    if incoming.mail.size <= limit:
        return None
    return Rejection(
        incoming.envelope,
        (
            Problem(
                "message",
                f"is {_mb(incoming.mail.size)}, larger than the {_mb(limit)} limit; "
                "send the template without large attachments",
            ),
        ),
    )
