"""Is this our own mail coming back (From our mailbox, or one of our Message-IDs)?
Answering it would loop, so it is ignored."""

from __future__ import annotations

from parser.incoming import Incoming
from parser.result import Ignored, Result


def check(incoming: Incoming) -> Result | None:
    settings = incoming.settings
    if incoming.envelope.sender and incoming.envelope.sender == settings.mailbox_address.lower():
        return Ignored(incoming.envelope, "own mail")
    message_id = incoming.envelope.message_id.lower()
    # only our own shape (esc-…@domain): colleagues' clients may use the same domain
    if message_id.startswith("esc-") and message_id.endswith(
        "@" + settings.message_id_domain.lower()
    ):
        return Ignored(incoming.envelope, "own mail")
    return None
