"""The text of a delivered email's part, for assertions."""

from __future__ import annotations

from email.message import EmailMessage


def body_text(msg: EmailMessage, kind: str = "plain") -> str:
    """The decoded text/`kind` body of `msg`; a missing part fails the test by name."""
    part = msg.get_body((kind,))
    assert part is not None, f"no text/{kind} part in {msg['Subject']!r}"
    return str(part.get_content())
