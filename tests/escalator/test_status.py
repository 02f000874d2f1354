"""The per-job status registry: what health and alerts read."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from escalator import status

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _empty() -> Iterator[None]:
    status.reset()
    yield
    status.reset()


def test_a_failure_then_a_success_keeps_both_times_and_clears_failing() -> None:
    status.record_ok("sweep", T0)
    status.record_failure("sweep", T0 + timedelta(minutes=1), "boom\nsecond line")
    status.record_failure("sweep", T0 + timedelta(minutes=2), "boom again")
    s = status.snapshot()["sweep"]
    assert s.failing and s.failures_in_a_row == 2
    assert s.failing_since == T0 + timedelta(minutes=1)
    assert s.last_error == "boom again" and s.last_ok == T0
    status.record_ok("sweep", T0 + timedelta(minutes=3))
    s = status.snapshot()["sweep"]
    assert not s.failing and s.failures_in_a_row == 0
    assert s.last_failure == T0 + timedelta(minutes=2) and s.last_ok == T0 + timedelta(minutes=3)


def test_the_error_is_kept_as_its_first_line() -> None:
    status.record_failure("mailbox", T0, "IMAP x: login refused\nTraceback ...")
    assert status.snapshot()["mailbox"].last_error == "IMAP x: login refused"
    assert "delivery" not in status.snapshot()


def test_threads_recording_at_once_lose_no_count() -> None:
    def fail() -> None:
        for _ in range(500):
            status.record_failure("delivery", T0, "x")

    threads = [threading.Thread(target=fail) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert status.snapshot()["delivery"].failures_in_a_row == 2000
