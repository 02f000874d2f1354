"""Lasting faults in the log: one line when a source starts failing, then at most one a
minute while it goes on ("still failing: N times since HH:MM"), and one when it works
again. With the database away, the poller, each job and the delivery worker fail every
second or so; the same line three times a second tells nobody more.

A source is a name ("delivery job", "intake"); `failed` and `ok` are called by the source
each time it runs. Thread-safe: the sources run on threads of their own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["EVERY", "LastingFaults", "lasting"]

EVERY = 60.0  # seconds between two lines about the same fault


@dataclass
class _Fault:
    since: float  # wall clock (time.time) of the first failure
    logged: float  # monotonic clock of the last line
    count: int = 1  # failures since `since`


class LastingFaults:
    def __init__(self, every: float = EVERY, monotonic: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self._every, self._monotonic, self._wall = every, monotonic, wall
        self._lock = threading.Lock()
        self._open: dict[str, _Fault] = {}

    def failed(self, log: logging.Logger, source: str, line: str,
               level: int = logging.ERROR) -> None:
        """`source` failed with `line`: logged on its first failure, then once a minute."""
        now = self._monotonic()
        with self._lock:
            fault = self._open.get(source)
            if fault is None:
                self._open[source] = _Fault(self._wall(), now)
                message = line
            else:
                fault.count += 1
                if now - fault.logged < self._every:
                    return
                fault.logged = now
                message = (f"{source} still failing: {fault.count} times since "
                           f"{_clock(fault.since)}: {line}")
        log.log(level, "%s", message, extra={"outcome": "fault", "source": source})

    def ok(self, log: logging.Logger, source: str) -> None:
        """`source` ran through: if it was failing, one line says so."""
        with self._lock:
            fault = self._open.pop(source, None) if self._open else None
        if fault is not None:
            times = "failure" if fault.count == 1 else "failures"
            log.info("%s working again after %d %s since %s", source, fault.count, times,
                     _clock(fault.since), extra={"outcome": "recovered", "source": source})

    def clear(self) -> None:
        """Forget every open fault (a test starts with none)."""
        with self._lock:
            self._open.clear()

    def failing(self) -> list[str]:
        with self._lock:
            return sorted(self._open)


def _clock(wall: float) -> str:
    return time.strftime("%H:%M", time.localtime(wall))  # the log's own clock


lasting = LastingFaults()  # the process's one record, shared by every repeating source
