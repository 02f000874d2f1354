"""The header facts every result carries: who sent it, what it is called, what it answers."""

from __future__ import annotations

import hashlib

from parser import limits
from parser.mail import Mail, date_of, message_ids
from parser.result import Envelope


def envelope_of(mail: Mail) -> Envelope:
    ids = message_ids(mail.header("Message-ID"))
    # no Message-ID: a digest of the whole message, so the same bytes dedupe the same way
    message_id = ids[0] if ids else "sha256:" + hashlib.sha256(mail.raw).hexdigest()
    name, sender = mail.address("From")
    return Envelope(
        message_id=limits.message_id(message_id),
        sender=limits.address(sender),
        sender_name=name[: limits.ADDRESS],
        subject=mail.header("Subject")[: limits.MAX_SUBJECT].rstrip(),  # all any step reads
        to=mail.addresses("To"),
        cc=mail.addresses("Cc"),
        in_reply_to=message_ids(mail.header("In-Reply-To")),
        references=message_ids(mail.header("References")),
        date=date_of(mail.header("Date")),
        size=mail.size,
    )
