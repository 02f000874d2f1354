"""Is this a reply to ESC-N? Our Message-IDs in In-Reply-To/References say so first,
an [ESC-N] tag in the subject second."""

from __future__ import annotations

from parser import reply, subject
from parser.incoming import Incoming
from parser.result import Result
from parser.screen.ours import escalation_ids


def escalation_id(incoming: Incoming) -> int | None:
    envelope = incoming.envelope
    domain = incoming.settings.message_id_domain
    # In-Reply-To names the message answered; References, newest last, the thread
    for ids in (envelope.in_reply_to, tuple(reversed(envelope.references))):
        found = escalation_ids(" ".join(ids), domain)
        if found:
            return found[0]
    return subject.escalation_id(envelope.subject)


def check(incoming: Incoming) -> Result | None:
    number = escalation_id(incoming)
    if number is None:
        return None
    return reply.read(incoming.envelope, number, incoming.body)
