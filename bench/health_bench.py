"""How long do a /metrics scrape, a /readyz check and the admin alert job take as the tables
grow? N escalations, with per escalation 2 inbound rows (1% "error"), 5 outbox rows, 3
notices and 10 events (1 in 1,000 a "fault"), on SQLite and PostgreSQL.

    .venv/bin/python bench/health_bench.py [--sizes 1000,10000,100000]
        [--databases sqlite,postgresql]    (PostgreSQL: ESCALATOR_TEST_PG, as the tests)

Each figure is the best of five runs, after ANALYZE (VACUUM ANALYZE on PostgreSQL).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from escalator import metrics  # noqa: E402
from escalator.db import Database, init_db  # noqa: E402
from escalator.health import readiness  # noqa: E402
from escalator.service.alerts import alert_sweep  # noqa: E402
from escalator.settings import Settings  # noqa: E402
from models import Escalation, Event, Inbound, Notice, OutboxMessage  # noqa: E402

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CHUNK = 5000


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def populate(db: Database, n: int) -> None:
    t0 = NOW - timedelta(days=90)

    def at(i: int) -> datetime:
        return t0 + timedelta(seconds=i * 90 * 86400 // max(n, 1))

    tables: list[tuple[Any, Callable[[], Iterator[dict[str, Any]]]]] = [
        (Escalation, lambda: (dict(
            id=i, account=f"Account {i % 3000}", summary="s", issue="", severity=1 + i % 4,
            risk_level=None, type="Churn Risk", category="Product",
            status="open" if i % 8 == 0 else "done", csm="c@example.com",
            owner="c@example.com", rung="manager", timeline="", call_recording="",
            description="", business_impact="", actions_taken=[], ask=[], links=[],
            steps=[], stakeholders=[], extra={}, opened_at=at(i), response_due_at=at(i),
            resolution_due_at=at(i), response_breaches=0, resolution_breaches=0,
            paused_seconds=0, source_message_id=f"m{i}@x", thread_root=f"t{i}@x")
            for i in range(1, n + 1))),
        (Inbound, lambda: (dict(
            message_key=f"in{i}@x", sender=f"s{i % 500}@example.com", subject="x",
            received_at=at(i // 2),
            outcome="error" if i % 100 == 0 else ("ignored" if i % 7 == 0 else "intake"),
            reason="auto-reply (Auto-Submitted: auto-replied)" if i % 7 == 0 else "",
            escalation_id=None) for i in range(2 * n))),
        (OutboxMessage, lambda: (dict(
            escalation_id=1 + i // 5, kind=("ack", "new", "recap", "breach", "warning")[i % 5],
            to_addrs=["a@example.com"], cc_addrs=[], subject="x", text_body="x",
            html_body="x", message_id=f"o{i}@x", in_reply_to=None, references=[],
            status="sent", attempts=1, next_attempt_at=at(i // 5), last_error=None,
            refused={}, created_at=at(i // 5), sent_at=at(i // 5)) for i in range(5 * n))),
        (Notice, lambda: (dict(
            escalation_id=1 + i // 3, target=("new", "response", "warn:res:1:75")[i % 3],
            rung="manager", due_at=at(i // 3), sent_at=at(i // 3)) for i in range(3 * n))),
        (Event, lambda: (dict(
            escalation_id=1 + i // 10, at=at(i // 10),
            kind="fault" if i % 1000 == 0 else "note", actor="escalator", detail="d")
            for i in range(10 * n))),
    ]
    for model, rows in tables:
        for chunk in _chunks(rows()):
            with db.transaction() as session:
                session.execute(insert(model), chunk)


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
    else:
        from tests.support.database import fresh_postgres

        with fresh_postgres() as url:
            yield url


def best(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def measure(kind: str, n: int) -> tuple[float, float, float]:
    """(scrape, readiness, alert job) in ms, on a fresh database of n escalations."""
    with database(kind) as url:
        init_db(url)
        db = Database(url)
        populate(db, n)
        with db.engine.connect() as conn:
            if kind == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE"))
            else:
                conn.execute(text("ANALYZE"))
                conn.commit()
        reg = metrics.registry(db.engine, lambda: NOW)
        settings = Settings(admins=("ops@example.com",))

        def ready() -> None:
            with Session(db.engine) as session:
                readiness(session, settings, NOW, {}, None)

        scrape = best(lambda: metrics.exposition(reg))
        check = best(ready)
        alert_sweep(db, settings, NOW, {}, None)  # the alerts due: then nothing new to say
        alerts = best(lambda: alert_sweep(db, settings, NOW, {}, None))
        db.dispose()
        return scrape, check, alerts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--databases", default="sqlite,postgresql")
    args = ap.parse_args()
    print(f"{'database':<11}{'escalations':>12}{'rows':>10}{'metrics ms':>12}"
          f"{'readyz ms':>11}{'alerts ms':>11}")
    for kind in args.databases.split(","):
        for n in [int(s) for s in args.sizes.split(",")]:
            scrape, check, alerts = measure(kind, n)
            print(f"{kind:<11}{n:>12,}{21 * n:>10,}{scrape:>12.1f}{check:>11.1f}"
                  f"{alerts:>11.1f}", flush=True)


if __name__ == "__main__":
    main()
