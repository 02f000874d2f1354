"""SLA sweep speed: nothing due over 1k..100k open escalations, and 1,000 due at once.

    python bench/sweep_bench.py [--sizes 1000,10000,100000] [--pg URL]

Prints ms per sweep with nothing due (median of 7) and the time for 1,000 escalations due
at once to reach the outbox (notices, events, breach emails and recaps), on SQLite and on
PostgreSQL (a fresh database, dropped afterwards). Rows are bulk-inserted, not mailed in.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, update  # noqa: E402

from escalator.db import Database, init_db  # noqa: E402
from escalator.service.sweep import sweep  # noqa: E402
from escalator.settings import Settings, SmtpSettings  # noqa: E402
from models import Escalation, OutboxMessage  # noqa: E402
from tests.support.database import fresh_postgres  # noqa: E402

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LADDER = {r: (f"{r}@example.com",) for r in ("manager", "director", "vp", "executive")}


def populate(db: Database, n: int) -> None:
    rows = []
    for i in range(n):
        opened = T0 - timedelta(minutes=i % 600)
        rows.append(dict(
            account=f"Account {i % 15000}", summary="Exports failing", issue="", severity=2,
            risk_level="High", type="", category="", status="open", csm=f"csm{i % 50}@example.com",
            owner="director@example.com", rung="director", timeline="", call_recording="",
            description="", business_impact="", actions_taken=[], ask=[], links=[], steps=[],
            stakeholders=[f"csm{i % 50}@example.com", "director@example.com"], extra={},
            opened_at=opened, response_due_at=opened + timedelta(days=30),
            resolution_due_at=opened + timedelta(days=90), response_breaches=0,
            resolution_breaches=0, paused_seconds=0,
            next_escalation_at=opened + timedelta(days=30),
            next_warning_at=opened + timedelta(days=22), source_message_id=f"m{i}@x",
            thread_root=f"esc-{i}.ack.x@example.com"))
    with db.transaction() as s:
        for k in range(0, n, 5000):
            s.execute(insert(Escalation), rows[k:k + 5000])
    with db.engine.connect() as conn:  # as autovacuum would after a bulk load
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def measure(url: str, sizes: list[int]) -> None:
    init_db(url)
    db = Database(url)
    settings = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                        ladder=dict(LADDER))
    have = 0
    for n in sizes:
        populate(db, n - have)
        have = n
        times = []
        for _ in range(7):
            t = time.perf_counter()
            assert sweep(db, settings, T0) == 0
            times.append((time.perf_counter() - t) * 1000)
        # 1,000 due at once: their response target passed an hour ago
        with db.transaction() as s:
            ids = list(s.scalars(select(Escalation.id).where(Escalation.status == "open")
                                 .order_by(Escalation.id.desc()).limit(1000)))
            s.execute(update(Escalation).where(Escalation.id.in_(ids)).values(
                response_due_at=T0 - timedelta(hours=1),
                next_escalation_at=T0 - timedelta(hours=1)))
            before = s.scalar(select(func.count()).select_from(OutboxMessage)) or 0
        t = time.perf_counter()
        decided = sweep(db, settings, T0)
        due_s = time.perf_counter() - t
        with db.transaction() as s:
            emails = (s.scalar(select(func.count()).select_from(OutboxMessage)) or 0) - before
            # retire them, so the next size's nothing-due sweep has nothing due again
            s.execute(update(Escalation).where(Escalation.id.in_(ids)).values(
                status="done", next_escalation_at=None, next_warning_at=None))
        print(f"  {n:>7,} open: nothing due {statistics.median(times):7.2f} ms/sweep "
              f"(min {min(times):.2f}); 1,000 due -> {decided} notices, {emails} emails "
              f"in the outbox in {due_s:.2f} s", flush=True)
    db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite (file, WAL):")
        measure(f"sqlite:///{tmp}/bench.db", sizes)
    print("PostgreSQL 15 (127.0.0.1):")
    with fresh_postgres() as url:
        measure(url, sizes)


if __name__ == "__main__":
    main()
