"""Whose fault a failure is: the machine's (try again later) or one message's (keep it for a
person), as Mailman's shunt queue decides.

Only the database being away or busy, and errors of the machine itself (out of file
descriptors, memory, disk), are retried: the message stays in the inbox. Anything else met
while applying one message (a value the database refuses, a bug) is that message's: retrying
it would fail again and hold back every message behind it.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import exc

# PostgreSQL SQLSTATE classes that say nothing about the data: connection (08), transaction
# rollback such as deadlock and serialization (40), insufficient resources (53), operator
# intervention such as shutdown or a cancelled statement (57), system error (58), lock timeout
_RETRY_SQLSTATES = ("08", "40", "53", "57", "58", "55P03")
# SQLite result codes of the same kind (sqlite3.Error.sqlite_errorname, extended codes too)
_RETRY_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL",
                 "SQLITE_CANTOPEN", "SQLITE_NOMEM", "SQLITE_PROTOCOL")
KEY_BYTES = 998  # inbound.message_key; in bytes, so a unique index entry always fits


def is_environmental(error: BaseException) -> bool:
    """True when `error` is about the machine or the database, not about the message."""
    if isinstance(error, (OSError, MemoryError)):
        return True
    if isinstance(error, (exc.TimeoutError, exc.DisconnectionError)):  # the pool, a ping
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    orig = error.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if state:
        return str(state).startswith(_RETRY_SQLSTATES)
    name = getattr(orig, "sqlite_errorname", None)
    if name:
        return str(name).startswith(_RETRY_SQLITE)
    # no code: a driver's own connection failure (refused, reset) before any server reply
    return isinstance(error, (exc.OperationalError, exc.InterfaceError))


def describe(error: BaseException) -> str:
    """One line for people: the error's class and first line, no SQL, no parameters."""
    cause = error.orig if isinstance(error, exc.DBAPIError) and error.orig else error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def clean(text: str, limit: int) -> str:
    """Text any database column of `limit` characters takes: no NUL, no lone surrogate."""
    text = text.replace("\x00", "")
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text[:limit]


def message_key(message_id: str) -> str:
    """The inbound row's unique key: the Message-ID, or its digest when it would not fit."""
    if message_id.isascii() and "\x00" not in message_id and len(message_id) <= KEY_BYTES:
        return message_id
    raw = message_id.encode("utf-8", "surrogatepass")
    if len(raw) <= KEY_BYTES and clean(message_id, KEY_BYTES) == message_id:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def referable(message_id: str) -> str | None:
    """The Message-ID, when our emails may name it in In-Reply-To and References: no client
    writes one past a few hundred characters, a header line ends at 998, and a digest that
    stands for a missing or hashed one ("sha256:…") is no Message-ID at all."""
    fits = 0 < len(message_id) <= 250 and message_id.isascii() and message_id.isprintable()
    return message_id if fits and "@" in message_id and " " not in message_id else None
