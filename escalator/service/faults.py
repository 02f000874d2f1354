"""One escalation's failure in a periodic job: described in a line, put off, on its trail.

A job applies each escalation in a savepoint; when that raises, the savepoint is rolled
back and `record` writes, in the job's own transaction, an event of kind "fault" (actor
"escalator", one readable line) that commits with the rest of the batch. `delay` is the
backoff before that escalation is tried again: doubling from FIRST_DELAY to MAX_DELAY, so
a fault that lasts (a broken team template) costs one attempt an hour, not a busy loop.

Only errors about the escalation itself are its fault: the machine's or the database's
(`failures.is_environmental`) and a notice another instance decided first (IntegrityError,
retried by the job) are not, and pass through `is_own_fault`.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TypeVar

from jinja2 import TemplateError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalator.service import events
from escalator.service.failures import is_environmental
from escalator.service.txcache import transaction_dict
from models import Escalation

log = logging.getLogger(__name__)
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
_COUNT = "faults:"  # esc.extra key, with the job's name: faults in a row, for the backoff
_TEMPLATE_SUFFIXES = (".txt", ".html", ".j2", ".jinja")
T = TypeVar("T")


def is_own_fault(e: BaseException) -> bool:
    """True when `e`, raised while applying one escalation, is that escalation's problem:
    not the machine or the database (the one classification intake uses too), nor a notice
    another instance decided first."""
    if isinstance(e, IntegrityError) or is_environmental(e):
        return False
    return isinstance(e, Exception)


def describe(e: BaseException) -> str:
    """One readable line: the template and line for a template error, else the message."""
    text = " ".join(str(e).split())[:300] or type(e).__name__
    where = _template_frame(e)
    if isinstance(e, TemplateError) or where:
        return f"template {where or '(unknown)'}: {text}"
    return text


def _template_frame(e: BaseException) -> str:
    """Jinja puts the template's file and line in the traceback: the last such frame."""
    found = ""
    for frame in traceback.extract_tb(e.__traceback__):
        if frame.filename.endswith(_TEMPLATE_SUFFIXES):
            found = f"{frame.filename.rsplit('/', 1)[-1]} line {frame.lineno}"
    return found


def delay(faults: int) -> timedelta:
    doublings: int = min(max(faults - 1, 0), 16)
    return min(FIRST_DELAY * (1 << doublings), MAX_DELAY)


def record(session: Session, esc: Escalation, now: datetime, job: str,
           error: BaseException) -> datetime:
    """After the savepoint of `esc` was rolled back: count the fault, write the event, and
    return when to try again (the caller moves its own due column there)."""
    key = _COUNT + job
    faults = int((esc.extra or {}).get(key, 0)) + 1
    esc.extra = {**(esc.extra or {}), key: faults}  # a new dict: saved
    retry_at = now + delay(faults)
    line = describe(error)
    events.add(session, esc, now, "fault", "escalator",
               f"{job} failed: {line}; tried again at {retry_at:%Y-%m-%d %H:%M} UTC")
    log.error("ESC-%d: %s failed (fault %d in a row): %s", esc.id, job, faults, line)
    log.debug("ESC-%d: %s failed", esc.id, job, exc_info=error)  # the traceback with -v
    return retry_at


def clear(esc: Escalation, job: str) -> None:
    """`job` went through for `esc`: its backoff starts over."""
    key = _COUNT + job
    if esc.extra and key in esc.extra:
        esc.extra = {k: v for k, v in esc.extra.items() if k != key}


@contextmanager
def isolated(session: Session, *escalations: Escalation) -> Iterator[None]:
    """Apply changes to `escalations` in a savepoint: on an error they are rolled back (the
    ORM expires them, so they read as committed) and events.added forgets them too."""
    before = {esc.id: len(events.added(session, esc)) for esc in escalations}
    try:
        with session.begin_nested():
            yield
    except BaseException:
        kept = transaction_dict(session, events.ADDED)
        for esc_id, count in before.items():
            if esc_id in kept:
                del kept[esc_id][count:]
        raise


def apply_each(session: Session, items: Sequence[T], escalation: Callable[[T], Escalation],
               apply: Callable[[T], int], on_fault: Callable[[T, Exception], None]) -> int:
    """`apply` to each item, as if each were in a savepoint of its own; the sum of what
    they return. The whole batch goes first in one savepoint (one flush: the fast path);
    only when something in it fails is it rolled back and applied item by item, each in
    its own, `on_fault` called for those that fail (after their rollback)."""
    try:
        with isolated(session, *(escalation(item) for item in items)):
            return sum(apply(item) for item in items)
    except Exception as e:
        if not is_own_fault(e):
            raise
    total = 0
    for item in items:
        try:
            with isolated(session, escalation(item)):
                total += apply(item)
        except Exception as e:
            if not is_own_fault(e):
                raise
            on_fault(item, e)
    return total
