"""How long do `report --json` and the dashboard's pages take as escalations grow?
15,000 accounts, then 1k, 10k, 100k and 200k generated escalations (about 13% open),
on SQLite and PostgreSQL. Targets: report < 1 s, a dashboard page < 200 ms.

    .venv/bin/python bench/report_bench.py [--sizes 1000,10000,100000,200000]
        [--databases sqlite,postgresql]    (PostgreSQL: ESCALATOR_TEST_PG, as the tests)

Each figure is the best of three runs, after ANALYZE (VACUUM ANALYZE on PostgreSQL); the
report time includes json.dumps.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from escalator.db import Database, init_db  # noqa: E402
from escalator.service.reports import build_report  # noqa: E402
from escalator.settings import DatabaseSettings, Settings, WebSettings  # noqa: E402
from escalator.web import start_dashboard  # noqa: E402
from models import Account, AccountAlias, Escalation, EscalationAccount, Notice, Review  # noqa: E402
from models.account import account_key  # noqa: E402

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ACCOUNTS = 15_000
TYPES = (("Churn Risk", 3), ("Help Needed", 5), ("Visibility", 2))
CATEGORIES = ("Product", "Services", "Partnership", "Externalities", "Billing", "Support")
RUNGS = ("csm", "manager", "director", "vp", "executive")
PAGES = {"overview": "/", "list": "/escalations?status=open&severity=2",
         "timeline": "/escalations/ESC-{n}", "accounts": "/accounts"}


def accounts(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows, aliases = [], []
    for i in range(1, ACCOUNTS + 1):
        segment = rng.choices(("SMB", "Mid-Market", "Enterprise"), (70, 22, 8))[0]
        arr = {"SMB": 5_000, "Mid-Market": 60_000, "Enterprise": 500_000}[segment]
        name = f"Account {i:05d}"
        rows.append({"id": i, "name": name, "arr": round(arr * rng.uniform(0.5, 8), 2),
                     "segment": segment, "renewal_date": NOW.date() + timedelta(
                         days=rng.randrange(365)), "csm": f"csm{i % 120}@example.com",
                     "team": rng.choice(("enterprise", "growth", "")), "source": "directory",
                     "health": str(rng.randrange(20, 100)), "created_at": NOW})
        aliases.append({"key": account_key(name), "account_id": i, "alias": name})
    return rows, aliases


def escalations(rng: random.Random, first: int, count: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"esc": [], "link": [], "notice": [], "review": []}
    for n in range(first, first + count):
        account = rng.randrange(1, ACCOUNTS + 1)
        opened = NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))
        status = rng.choices(("done", "open", "working", "waiting"), (87, 7, 4, 2))[0]
        severity = rng.choices((1, 2, 3, 4), (5, 20, 45, 30))[0]
        acked = opened + timedelta(minutes=rng.randrange(5, 600)) if (
            status != "open" or rng.random() < 0.3) else None
        resolved = opened + timedelta(hours=rng.randrange(2, 400)) if status == "done" else None
        rung = rng.choices(RUNGS, (30, 35, 20, 10, 5))[0]
        breached = rng.random() < 0.15
        out["esc"].append({
            "id": n, "account": f"Account {account:05d}", "summary": f"Issue {n}", "issue": "",
            "severity": severity, "risk_level": None,
            "type": rng.choices([t for t, _ in TYPES], [w for _, w in TYPES])[0],
            "category": rng.choice(CATEGORIES), "status": status,
            "csm": f"csm{account % 120}@example.com", "owner": "owner@example.com",
            "rung": rung, "timeline": "", "call_recording": "", "description": "",
            "business_impact": "", "actions_taken": [], "ask": [], "links": [], "steps": [],
            "stakeholders": [], "extra": {}, "opened_at": opened, "acknowledged_at": acked,
            "resolved_at": resolved, "paused_at": None,
            "response_due_at": opened + timedelta(hours=4),
            "resolution_due_at": opened + timedelta(days=3),
            "response_breaches": int(breached), "resolution_breaches": 0, "paused_seconds": 0,
            "next_escalation_at": None if status in ("done", "waiting") else
            NOW + timedelta(minutes=rng.randrange(-600, 7 * 24 * 60)),
            "next_warning_at": None, "team": None,
            "source_message_id": f"m{n}@bench", "thread_root": f"t{n}@bench"})
        out["link"].append({"escalation_id": n, "account_id": account})
        out["notice"].append({"escalation_id": n, "target": "new", "rung": "manager",
                              "due_at": opened, "sent_at": opened})  # as intake writes
        if breached:
            out["notice"].append({"escalation_id": n, "target": "response", "rung": "manager",
                                  "due_at": opened + timedelta(hours=4),
                                  "sent_at": opened + timedelta(hours=4)})
        if status == "done" and rng.random() < 0.5:
            out["review"].append({
                "escalation_id": n, "requested_at": resolved, "reminders": 0,
                "next_reminder_at": None, "satisfied": rng.random() < 0.8,
                "root_cause": rng.choice(("bug", "config", "expectations", None)),
                "prevention": None, "answered_by": None, "completed_at": None})
    return out


def load(db: Database, rows: dict[str, list[dict[str, Any]]]) -> None:
    tables = {"esc": Escalation, "link": EscalationAccount, "notice": Notice, "review": Review}
    with db.transaction() as session:
        for key, model in tables.items():
            for i in range(0, len(rows[key]), 5_000):
                if rows[key][i:i + 5_000]:
                    session.execute(insert(model), rows[key][i:i + 5_000])


def analyze(db: Database) -> None:
    """What autovacuum does after a bulk load: statistics and, on PostgreSQL, the
    visibility map (VACUUM), without which no index-only scan skips the table."""
    statement = "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(statement))


def best(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    from tests.support.database import fresh_postgres

    with fresh_postgres() as url:
        yield url


def bench(kind: str, sizes: list[int], folder: Path) -> None:
    rng = random.Random(8)
    with database(kind, folder) as url:
        init_db(url)
        db = Database(url)
        acc, aliases = accounts(rng)
        with db.transaction() as session:
            session.execute(insert(Account), acc)
            session.execute(insert(AccountAlias), aliases)
        settings = replace(Settings(database=DatabaseSettings(url)), web=WebSettings(port=0))
        server = start_dashboard(db, settings, clock=lambda: NOW)
        loaded = 0
        try:
            for size in sizes:
                load(db, escalations(rng, loaded + 1, size - loaded))
                loaded = size
                analyze(db)

                def report() -> None:
                    with db.transaction() as session:
                        json.dumps(build_report(session, NOW))

                figures = [f"report --json {best(report) * 1000:7.0f} ms"]
                for name, path in PAGES.items():
                    page = server.url + path.format(n=size // 2)
                    took = best(lambda u=page: urllib.request.urlopen(u).read())  # type: ignore[misc]
                    figures.append(f"{name} {took * 1000:5.0f} ms")
                print(f"{kind:<10} {ACCOUNTS:,} accounts {size:>8,} escalations: "
                      + ", ".join(figures), flush=True)
        finally:
            server.shutdown()
            db.dispose()


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--sizes", default="1000,10000,100000,200000")
    args.add_argument("--databases", default="sqlite,postgresql")
    a = args.parse_args()
    sizes = sorted(int(s) for s in a.sizes.split(","))
    for kind in a.databases.split(","):
        with tempfile.TemporaryDirectory() as folder:
            bench(kind, sizes, Path(folder))


if __name__ == "__main__":
    main()
