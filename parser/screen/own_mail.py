"""Is this our own mail coming back (From our mailbox, or one of our Message-IDs)?
Answering it would loop, so it is ignored."""

from __future__ import annotations

from parser.incoming import Incoming
from parser.result import Ignored, Result
from parser.screen import ours


def check(incoming: Incoming) -> Result | None:
    settings = incoming.settings
    if incoming.envelope.sender and incoming.envelope.sender == settings.mailbox_address.lower():
        return Ignored(incoming.envelope, "own mail")
    # only our own shape (esc-N.kind.hex@domain): colleagues' clients may use the domain too
    if ours.is_ours(incoming.envelope.message_id, settings.message_id_domain):
        return Ignored(incoming.envelope, "own mail")
    return None
