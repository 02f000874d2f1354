"""Escalator's parser: raw message bytes in, one plain result out. Pure: no I/O, no
clock, no database, and it raises only for errors of the machine (OSError, MemoryError):
those say nothing about the message, which the caller keeps to try again.

    parse(raw, settings, size=None) -> Intake | Reply | Rejection | Ignored

The order of the questions asked is in `parser.screen`.
"""

from __future__ import annotations

from parser import limits
from parser.incoming import Incoming
from parser.mail import Mail
from parser.result import (
    Attachment,
    Command,
    Envelope,
    Ignored,
    Intake,
    Problem,
    Rejection,
    Reply,
    Result,
)
from parser.screen import screen
from parser.settings import ParseSettings

__all__ = [
    "Attachment",
    "Command",
    "Envelope",
    "Ignored",
    "Intake",
    "ParseSettings",
    "Problem",
    "Rejection",
    "Reply",
    "Result",
    "parse",
]


def parse(raw: bytes, settings: ParseSettings, size: int | None = None) -> Result:
    """What one message is. `size` is the real size when only the headers are passed."""
    real_size = len(raw) if size is None else max(size, len(raw))
    try:
        mail = Mail(raw, real_size, headers_only=real_size > settings.max_message_bytes)
        return limits.clip(screen(Incoming(mail, settings)))
    except (OSError, MemoryError):  # out of file descriptors or memory: not the message's fault
        raise
    except Exception as error:  # a last resort: the message is kept and answered, never lost
        return _unreadable(raw, real_size, error)


def _unreadable(raw: bytes, size: int, error: Exception) -> Rejection:
    import hashlib

    envelope = Envelope(
        message_id="sha256:" + hashlib.sha256(raw).hexdigest(), sender="", sender_name="",
        subject="", size=size,
    )
    try:
        from parser.envelope import envelope_of

        envelope = envelope_of(Mail(raw, size, headers_only=True))
    except Exception:
        pass
    return limits.clip(Rejection(
        envelope, (Problem("message", f"could not be read ({type(error).__name__}: {error})"),)
    ))
