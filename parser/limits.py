"""How much of a message the parser reads, and what its values may hold once they leave it.

Work: the body text handed to the template and reply readers and the subject are cut to
a size no real escalation reaches, so no message costs more than a fraction of a second.
Values: every text is cut to what the column that keeps it holds (models/*.py), with no
NUL and no lone surrogate (PostgreSQL refuses both); a Message-ID too long for its column
becomes "sha256:" and its digest, which still tells the same message from others. An
address too long for its column is dropped, never cut: a cut one could name someone else
("x@aaa….example.com.evil.example" cut after "example.com").
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime
from typing import Any, TypeVar

from parser.result import (
    Attachment,
    Command,
    Envelope,
    Ignored,
    Intake,
    Problem,
    Rejection,
    Reply,
)

MAX_TEXT = 300_000  # characters of body text read (about a hundred pages)
MAX_LINES = 20_000  # and lines of it (every reader's work is per line)
MAX_HTML = 500_000  # characters of HTML rendered to text (Outlook's markup is bulky)
MAX_SUBJECT = 2_000  # characters of a subject: inbound.subject keeps as many
MAX_ID = 2**31 - 1  # the escalation id column (a PostgreSQL integer): no larger ESC-N
MESSAGE_ID_BYTES = 998  # the Message-ID columns, and a header line's own limit
ADDRESS = 320  # an address column (RFC 5321: 64 + 1 + 255)

# (result class, field) -> characters its column holds
_COLUMNS: dict[tuple[str, str], int] = {
    ("Envelope", "sender_name"): ADDRESS,
    ("Envelope", "subject"): MAX_SUBJECT,
    ("Intake", "account"): 300,
    ("Intake", "type"): 100,
    ("Intake", "category"): 100,
    ("Intake", "risk_level"): 20,
    ("Attachment", "filename"): 255,
    ("Attachment", "content_type"): 255,
    ("Attachment", "subject"): MAX_SUBJECT,
    ("Attachment", "sender_name"): ADDRESS,
}
_ADDRESSES = frozenset({("Envelope", "sender"), ("Envelope", "to"), ("Envelope", "cc"),
                        ("Intake", "csm"), ("Intake", "owner"), ("Attachment", "sender")})
_MESSAGE_IDS = frozenset({("Envelope", "message_id"), ("Envelope", "in_reply_to"),
                          ("Envelope", "references")})
# a reply command's value -> the column it lands in (an owner is an address)
COMMAND_VALUES = {"type": 100, "category": 100, "account": 300}
_COMMAND_VALUES = COMMAND_VALUES  # the API refuses longer values (a 422) instead of clipping
_LIMITED = frozenset(_COLUMNS) | _ADDRESSES | _MESSAGE_IDS | {("Command", "value")}

T = TypeVar("T")
# the parser's result types and their fields, read once
_NAMES: dict[type, tuple[str, ...]] = {
    kind: tuple(f.name for f in dataclasses.fields(kind))
    for kind in (Intake, Reply, Rejection, Ignored, Envelope, Attachment, Command, Problem)
}


def escalation_number(digits: str) -> int | None:
    """N of an "ESC-N" the id column can hold, else None (no such escalation can exist)."""
    if not digits.isdigit() or len(digits) > len(str(MAX_ID)):
        return None
    number = int(digits)
    return number if 0 < number <= MAX_ID else None


def text(value: str, limit: int | None = None) -> str:
    """`value` as any text column takes it: no NUL, no lone surrogate, at most `limit`."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
    if limit is None or len(value) <= limit:
        return value
    return value[:limit].rstrip()


def message_id(value: str) -> str:
    """A Message-ID that fits its column: as it is, else "sha256:" and its digest."""
    value = text(value)
    raw = value.encode("utf-8")
    if len(raw) <= MESSAGE_ID_BYTES:
        return value
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def clip(result: T) -> T:
    """The result with every text value made fit for its column (see above)."""
    return _clip(result)  # type: ignore[no-any-return]


def address(value: str) -> str:
    """An address that fits its column, else "" (see above)."""
    value = text(value)
    return value if len(value) <= ADDRESS else ""


def _clip(value: Any, key: tuple[str, str] = ("", "")) -> Any:
    kind = type(value)
    if kind is str:
        return _clip_text(value, key)
    if kind is tuple:
        if not value:
            return value
        items = tuple(_clip(item, key) for item in value)
        if key in _ADDRESSES:
            items = tuple(item for item in items if item)
        elif any(_void(item) for item in items):
            items = tuple(item for item in items if not _void(item))
        return value if items == value else items
    if kind not in _NAMES:
        return value
    name_of_kind = kind.__name__
    changes: dict[str, Any] = {}
    for name in _NAMES[kind]:
        current = getattr(value, name)
        if type(current) is str:  # most values: no call for them
            if current.isascii() and "\x00" not in current and (
                    (name_of_kind, name) not in _LIMITED):
                continue
            cleaned = _clip_text(current, (name_of_kind, name))
        elif current is None or type(current) in (int, bool, datetime):
            continue
        else:
            cleaned = _clip(current, (name_of_kind, name))
        if name_of_kind == "Command" and name == "value":
            command = getattr(value, "name", "")
            if command == "owner":
                cleaned = address(cleaned)
            elif command in _COMMAND_VALUES:
                cleaned = text(cleaned, _COMMAND_VALUES[command])
        if cleaned is not current and cleaned != current:
            changes[name] = cleaned
    if isinstance(value, Reply) and "commands" in changes:
        dropped = len(value.commands) - len(changes["commands"])
        if dropped:
            changes["problems"] = (*value.problems, Problem(
                "Owner", f"longer than an address can be ({ADDRESS} characters)"))
    return dataclasses.replace(value, **changes) if changes else value


def _clip_text(value: str, key: tuple[str, str]) -> str:
    plain = value.isascii() and "\x00" not in value  # then only the length can be wrong
    if key in _MESSAGE_IDS:
        return value if plain and len(value) <= MESSAGE_ID_BYTES else message_id(value)
    if key in _ADDRESSES:
        return value if plain and len(value) <= ADDRESS else address(value)
    limit = _COLUMNS.get(key)
    return value if plain and (limit is None or len(value) <= limit) else text(value, limit)


def _void(item: object) -> bool:
    """An Owner command whose address was too long to keep."""
    return isinstance(item, Command) and item.name == "owner" and not item.value
