"""A dict that lives as long as the session's current transaction: reads it may reuse."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def transaction_dict(session: Session, key: str) -> dict[Any, Any]:
    """The dict kept under `key` for this transaction; a new transaction starts empty."""
    transaction = session.get_transaction()
    kept = session.info.get(key)
    if kept is None or kept[0] is not transaction:
        kept = session.info[key] = (transaction, {})
    found: dict[Any, Any] = kept[1]
    return found
