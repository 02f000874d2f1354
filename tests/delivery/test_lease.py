"""The delivery lease runs from each email's send, and a batch has limits of its own:
a slow relay and two deliverers at once send each message exactly once; a relay that never
answers ends the batch after one timeout; the batch's time limit gives the rest back.
On SQLite and PostgreSQL, against aiosmtpd.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from escalator.db import Database
from escalator.service.delivery import deliver
from tests.delivery.helpers import Clock, factory, ids, open_escalation, rows, settings_for
from tests.escalator.conftest import any_db, database_url
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration
__all__ = ["any_db", "database_url"]


def test_a_slow_relay_and_two_deliverers_send_each_message_once(
        any_db: Database, smtp_server: SmtpServer) -> None:
    """One batch of 8 takes about 8 × 0.4 s, its lease is 1 s: with the lease counted from
    the claim, the second deliverer would take over the tail of the batch and send it too."""
    settings = settings_for(smtp_server.port, any_db)
    settings = replace(settings, smtp=replace(settings.smtp, lease_seconds=1))
    for n in range(1, 5):
        open_escalation(any_db, settings, n)  # an ack and a first-rung notice each
    assert len(rows(any_db)) == 8
    smtp_server.data_delay = 0.4
    first_done = threading.Event()

    def first() -> None:
        try:
            deliver(any_db, settings, factory(settings))
        finally:
            first_done.set()

    thread = threading.Thread(target=first)
    thread.start()
    first_done.wait(1.5)  # the second wakes once the claim's lease is over, then again
    deadline = time.monotonic() + 60
    while not first_done.is_set() and time.monotonic() < deadline:
        deliver(any_db, settings, factory(settings))
        time.sleep(0.2)
    thread.join()
    deliver(any_db, settings, factory(settings))
    assert {r.status for r in rows(any_db)} == {"sent"}
    assert sorted(ids(smtp_server).values()) == [1] * 8  # each Message-ID exactly once


def test_a_relay_that_never_answers_costs_one_timeout_not_one_per_email(
        any_db: Database, smtp_server: SmtpServer) -> None:
    settings = settings_for(smtp_server.port, any_db)
    settings = replace(settings, smtp=replace(settings.smtp, timeout_seconds=1.0))
    for n in (1, 2, 3):
        open_escalation(any_db, settings, n)
    smtp_server.hang_data = True
    stats = deliver(any_db, settings, factory(settings), clock=Clock())
    assert (stats.sent, stats.deferred, stats.stopped) == (0, 6, True)
    assert stats.last_error is not None and "no answer within 1 s (timed out)" in stats.last_error
    assert {(r.status, r.attempts) for r in rows(any_db)} == {("pending", 1)}
    assert smtp_server.messages == []


def test_the_batch_time_limit_gives_the_rest_back_due_at_once(
        any_db: Database, smtp_server: SmtpServer) -> None:
    """A clock that moves a minute at each look: the 2-minute limit is reached mid-batch."""
    settings = settings_for(smtp_server.port, any_db)
    for n in (1, 2, 3):
        open_escalation(any_db, settings, n)
    clock = Clock()

    def ticking() -> datetime:
        return clock.advance(minutes=1)

    stats = deliver(any_db, settings, factory(settings), clock=ticking,
                    time_limit=timedelta(minutes=2))
    assert stats.stopped and 0 < stats.sent < 6
    left = [r for r in rows(any_db) if r.status != "sent"]
    assert len(left) == 6 - stats.sent
    assert {(r.status, r.attempts) for r in left} == {("pending", 0)}  # as if never claimed
    stats = deliver(any_db, settings, factory(settings), clock=Clock())
    assert stats.sent == len(left)
    assert sorted(ids(smtp_server).values()) == [1] * 6
