"""One INFO line per notice decided (new escalation, breach, warning), once it has committed.

The notices are written in many places (intake, replies, the sweep, inside savepoints a
fault may roll back), so the line is not written there: the rows are collected as they are
flushed and logged after the commit, leaving out any a savepoint rolled back. A line
carries the escalation, the target and the rung, never a body; JSON logs get them as
fields (escalation, notice, rung, outcome "notice").
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from models import Notice

__all__ = ["install"]

log = logging.getLogger("escalator.notices")
_PENDING = "logbook.notices"


def install(sessions: sessionmaker[Session]) -> None:
    event.listen(sessions, "after_flush", _collect)
    event.listen(sessions, "after_commit", _write)
    event.listen(sessions, "after_rollback", _forget)


def _collect(session: Session, _context: Any) -> None:
    found = [o for o in session.new if isinstance(o, Notice)]
    if found:
        session.info.setdefault(_PENDING, []).extend(found)


def _write(session: Session) -> None:
    for notice in session.info.pop(_PENDING, []):
        if inspect(notice).transient:  # its savepoint was rolled back
            continue
        what = _KINDS.get(notice.target) or _warning(notice.target)
        log.info("notice ESC-%d: %s, %s notified", notice.escalation_id, what, notice.rung,
                 extra={"outcome": "notice", "escalation": f"ESC-{notice.escalation_id}",
                        "notice": notice.target, "rung": notice.rung})


def _forget(session: Session) -> None:
    if not session.in_transaction():  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


_KINDS = {"new": "new escalation", "response": "response target missed",
          "resolution": "resolution target missed"}


def _warning(target: str) -> str:
    """'warn:res:1:75:…' -> 'warning: 75% of a target window used'."""
    parts = target.split(":")
    if len(parts) >= 4 and parts[0] == "warn" and parts[3].isdigit():
        return f"warning: {parts[3]}% of a target window used"
    return target
