"""The database away under `escalator run`: its log says so once per source when the fault
starts, then at most once a minute per source with a count, and once when it clears; intake
resumes. A PostgreSQL cluster of the test's own (tests/support/postgres.py), stopped and
started; Dovecot and aiosmtpd for real."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.integration.test_fault_injection import Run
from tests.support.dovecot import Dovecot
from tests.support.postgres import Cluster
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

AWAY = 45.0  # seconds the database stays away: every repeating source fails many times
STARTED = re.compile(r" (?:ERROR|WARNING) .*")


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_database_away_is_logged_once_per_source_then_cleared(
        tmp_path: Path, own_dovecot: Dovecot, own_postgres: Cluster) -> None:
    with SmtpServer() as smtp:
        run = Run(tmp_path, own_postgres.url(), own_dovecot.add_user(), smtp)
        with run.running():
            run.send(2)
            run.assert_exactly_once()
            mark = len(run.logged())
            own_postgres.stop()
            run.send(2)  # polled every second while the database is away
            time.sleep(AWAY)
            run.alive()
            away = _lines(run.logged()[mark:])
            own_postgres.start()
            run.assert_exactly_once()  # intake resumes: the two left in the inbox recorded
            after = run.logged()[mark:]
        faults = [line for line in away if STARTED.search(line)]
        assert faults, away
        # a poll a second, jobs and delivery: ~3 lines a second before; now each source
        # says it once (the "still failing" line comes after a minute, past this window)
        assert len(away) <= 12, "\n".join(away)
        sources = Counter(line.split(" still failing")[0] for line in faults)
        assert all(n == 1 for n in sources.values()), "\n".join(faults)
        assert re.search(r"working again after \d+ failures? since \d\d:\d\d", after), after
        assert re.search(r"database .* reachable again", after), after
