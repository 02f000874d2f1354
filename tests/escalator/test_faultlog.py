"""A lasting fault: one line when it starts, one a minute with a count, one when it clears."""

from __future__ import annotations

import logging
import re

import pytest

from escalator.faultlog import LastingFaults

log = logging.getLogger("escalator.test")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_line_a_minute_per_source_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    faults = LastingFaults(every=60, monotonic=clock)
    caplog.set_level(logging.INFO)
    for _ in range(59):  # a second apart, two sources
        faults.failed(log, "intake", "database: refused")
        faults.failed(log, "delivery job", "delivery job failed: database: refused")
        clock.now += 1
    assert [r.getMessage() for r in caplog.records] == [
        "database: refused", "delivery job failed: database: refused"]
    caplog.clear()
    clock.now += 1
    faults.failed(log, "intake", "database: refused")
    [line] = [r.getMessage() for r in caplog.records]
    assert re.fullmatch(r"intake still failing: 60 times since \d\d:\d\d: database: refused",
                        line)
    assert faults.failing() == ["delivery job", "intake"]
    caplog.clear()
    faults.ok(log, "intake")
    faults.ok(log, "intake")  # once only
    faults.ok(log, "sweep job")  # never failed: nothing to say
    [line] = [r.getMessage() for r in caplog.records]
    assert re.fullmatch(r"intake working again after 60 failures since \d\d:\d\d", line)
    assert caplog.records[0].levelno == logging.INFO
    caplog.clear()
    faults.failed(log, "intake", "database: refused")  # a new fault: said at once
    assert [r.getMessage() for r in caplog.records] == ["database: refused"]
    assert faults.failing() == ["delivery job", "intake"]
