"""Outbox throughput: emails rendered and delivered per second to a local aiosmtpd.

    python bench/outbox_bench.py [--rows 10000]

Prints, in one run: smtplib alone over one connection (the ceiling), rendering into outbox
rows (templates + enqueue), delivering those rows (claim, build, send, mark), the two
together, and the process RSS while the 10,000 rows go out (it should stay flat).
Not a test: figures for a person, on SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import smtplib
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from escalator.db import Database, init_db  # noqa: E402
from escalator.service.delivery import deliver  # noqa: E402
from escalator.service.intake import handle_message  # noqa: E402
from escalator.service.outbox import enqueue  # noqa: E402
from escalator.settings import DatabaseSettings, Settings, SmtpSettings  # noqa: E402
from mailer.message import build_message  # noqa: E402
from mailer.smtp import SmtpSender  # noqa: E402
from models import Escalation  # noqa: E402

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LADDER = {"manager": ("maya.manager@example.com",), "director": ("dan.director@example.com",),
          "vp": ("vera.vp@example.com",), "executive": ("erin.ceo@example.com",)}


class Counting:
    """An aiosmtpd handler that keeps a count, not the messages (memory stays the bench's)."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def smtplib_alone(port: int, n: int) -> float:
    msgs = [build_message(from_addr="escalations@example.com", to=["a@example.com"],
                          subject=f"[ESC-{i}] bench", text="x" * 2000, html="<p>x</p>" * 200,
                          message_id=f"bench-{i}@example.com") for i in range(n)]
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as conn:
        for msg in msgs:  # as_bytes in the loop: what SmtpSender does per email
            conn.sendmail("escalations@example.com", ["a@example.com"], msg.as_bytes())
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    handler = Counting()
    with socket.socket() as probe:  # a free port: aiosmtpd needs one named up front
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    work = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
    url = f"sqlite:///{work / 'bench.db'}"
    init_db(url)
    db = Database(url)
    settings = Settings(database=DatabaseSettings(url), ladder=LADDER,
                        smtp=SmtpSettings(host="127.0.0.1", port=port, timeout_seconds=30))
    try:
        print(f"smtplib alone, one connection:  {smtplib_alone(port, 1000):7.0f} emails/s")
        handler.count = 0
        raw = (b"From: carla.csm@example.com\r\nTo: escalations@example.com\r\n"
               b"Subject: Escalation: Initech - Bench\r\nMessage-ID: <bench@x.example>\r\n"
               b"\r\nIssue: bench\r\nRisk Level: High\r\nActions Taken:\r\n- a\r\n- b\r\n")
        handle_message(db, settings, raw, NOW)
        deliver(db, settings, lambda: SmtpSender(settings.smtp))  # the intake's two emails
        handler.count = 0

        start = time.perf_counter()
        chunk = 500
        for first in range(0, args.rows, chunk):
            with db.transaction() as session:
                esc = session.get(Escalation, 1)
                assert esc is not None
                for i in range(first, min(first + chunk, args.rows)):
                    enqueue(session, settings, kind="recap", now=NOW,
                            to=["carla.csm@example.com", "maya.manager@example.com"], esc=esc,
                            context={"changes": [f"note: {i}"], "actor": "b@example.com",
                                     "problems": []})
        rendered = time.perf_counter() - start
        print(f"render into the outbox:         {args.rows / rendered:7.0f} emails/s "
              f"({args.rows} rows, RSS {rss_mb():.0f} MB)")

        samples: list[float] = []
        done = threading.Event()

        def sample() -> None:  # RSS every 0.25 s while the outbox drains
            while not done.wait(0.25):
                samples.append(rss_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.perf_counter()
        sent = deliver(db, settings, lambda: SmtpSender(settings.smtp)).sent
        done.set()
        sampler.join()
        quarter = max(len(samples) // 4, 1)
        print(f"  RSS while delivering {sent} rows: first quarter max "
              f"{max(samples[:quarter], default=0):.1f} MB, last quarter max "
              f"{max(samples[-quarter:], default=0):.1f} MB ({len(samples)} samples)")
        delivered = time.perf_counter() - start
        assert handler.count == sent == args.rows, (handler.count, sent)
        print(f"deliver from the outbox:        {sent / delivered:7.0f} emails/s "
              "(claim, build, send, mark; one connection per batch of 100)")
        print(f"rendered + delivered:           {sent / (rendered + delivered):7.0f} emails/s "
              "(target >= 300)")
    finally:
        controller.stop()
        db.dispose()


if __name__ == "__main__":
    main()
