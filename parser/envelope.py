"""The header facts every result carries: who sent it, what it is called, what it answers."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.utils import parsedate_to_datetime

from parser.mail import Mail, message_ids
from parser.result import Envelope


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def envelope_of(mail: Mail) -> Envelope:
    ids = message_ids(mail.header("Message-ID"))
    # no Message-ID: a digest of the whole message, so the same bytes dedupe the same way
    message_id = ids[0] if ids else "sha256:" + hashlib.sha256(mail.raw).hexdigest()
    name, sender = mail.address("From")
    return Envelope(
        message_id=message_id,
        sender=sender,
        sender_name=name,
        subject=mail.header("Subject"),
        to=mail.addresses("To"),
        cc=mail.addresses("Cc"),
        in_reply_to=message_ids(mail.header("In-Reply-To")),
        references=message_ids(mail.header("References")),
        date=_date(mail.header("Date")),
        size=mail.size,
    )
