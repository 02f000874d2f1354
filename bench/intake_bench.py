"""Full intake from a Dovecot backlog, in messages/s and peak RSS, beside the peer's figure.

    .venv/bin/python bench/intake_bench.py [--messages 10000] [--database-url URL]
                                                [--profile] [--peer N] [--peer-runs R]
                                                [--no-peer]

A throwaway Dovecot (tests/support/dovecot.py) gets a backlog of seed-004 emails shaped
as ../shared/bench/helpdesk_peer.sh makes them (multipart text + HTML, ~3 KB, Outlook
headers, one sender per message). Timed: `mailer.poll.poll_once` with the service's
intake handler, i.e. fetch, parse, one transaction per fetched batch (inbound row, escalation,
events, acknowledgement and first-rung notice rendered into the outbox), and the move to
the processed folder: what the peer's `get_email` does, whose notices go to Django's
in-memory mail backend. Delivering the outbox is bench/outbox_bench.py's business.

Then `parser.parse` alone over the first emails of the same backlog (the floor: intake
should stay within 3x of it), and the peer itself, `helpdesk_peer.sh N R` (django-helpdesk,
default 300 messages, the median of 3 runs), in the same session; the last lines are
the ratios. Peak RSS is this process's high-water mark, read before the backlog is
appended (baseline) and after the drain.
Not a test: figures for a person.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

from imapclient import IMAPClient  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from escalator import config  # noqa: E402
from escalator.db import Database, init_db  # noqa: E402
from escalator.jobs import intake_batch_handler  # noqa: E402
from escalator.settings import Settings  # noqa: E402
from mailer.poll import poll_once  # noqa: E402
from models import Escalation, Inbound, OutboxMessage  # noqa: E402
from tests.support.dovecot import PASSWORD, Dovecot  # noqa: E402

# the peer script lives in ../shared/bench beside the clone
PEER = Path(__file__).resolve().parents[2] / "shared" / "bench" / "helpdesk_peer.sh"
APPEND_BATCH = 250

# the peer's vocabulary (helpdesk_peer.sh), so both sides parse the same kind of mail
FIRST = ["Maria", "James", "Aisha", "Chen", "Lukas", "Priya", "Tom", "Sofia", "Kenji", "Olga"]
LAST = ["Schmidt", "Okafor", "Nguyen", "Garcia", "Larsen", "Patel", "Rossi", "Kowalski"]
ORGS = ["northwind", "contoso", "fabrikam", "globex", "initech", "umbrella", "wayne", "acme"]
ISSUES = [
    ("Data export failing", "the nightly CSV export job aborts with HTTP 500 after 40% of rows"),
    ("SSO login loop", "users are redirected back to the identity provider in an endless loop"),
    ("Invoices not generated", "the monthly invoice run finished but produced zero PDF invoices"),
    ("API rate limit errors", "our integration receives 429 responses far below the quota"),
    ("Dashboard shows stale data", "the usage dashboard has not refreshed since 14:00 UTC"),
    ("Webhook deliveries delayed", "webhook events arrive 30-90 minutes late or not at all"),
    ("Password reset emails missing", "password reset emails are not delivered to any domain"),
    ("Sync job stuck", "the CRM sync job shows 'running' for 11 hours with no progress"),
]
STEPS = [
    "Re-ran the job manually from the admin console (same failure)",
    "Rotated the API credentials and cleared the integration cache",
    "Checked the status page - no incident listed for our region",
    "Reduced the batch size from 5000 to 500 rows",
]


def seed_email(i: int, rng: random.Random) -> bytes:
    """One escalation email in the peer's shape: ~3 KB, text/plain + text/html."""
    acct, (title, detail) = rng.randint(100, 99999), rng.choice(ISSUES)
    first, last, org = rng.choice(FIRST), rng.choice(LAST), rng.choice(ORGS)
    steps = rng.sample(STEPS, 3)
    m = EmailMessage(policy=SMTP)
    m["From"] = f"{first} {last} <{first.lower()}.{last.lower()}@{org}.example>"
    m["To"] = "Escalations <escalations@example.com>"
    m["Subject"] = f"Escalation: Account {acct} \u2013 {title}"
    m["Date"] = formatdate(time.time() - rng.randint(0, 86400))
    m["Message-ID"] = make_msgid(idstring=f"esc{i}.{rng.randint(0, 10**9)}",
                                 domain=f"mail.{org}.example")
    m["X-Mailer"] = "Microsoft Outlook 16.0"
    users = rng.randint(5, 5000)
    m.set_content(
        f"Hello support team,\n\nI am escalating an issue on account {acct} ({org.title()} "
        f"Ltd). Since {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} UTC today {detail}. "
        f"This affects roughly {users} users and blocks our month-end reporting, so we need "
        f"this treated as priority.\n\nPrevious case: CS-{rng.randint(10000, 99999)} (opened "
        "by our IT team, no resolution yet).\n\nWhat we have tried so far:\n"
        + "".join(f"  - {s}\n" for s in steps)
        + f"\nError excerpt from the job log:\n  request_id=req_{rng.getrandbits(64):016x} "
        "status=500 stage=export.write_chunk\n  message=\"upstream timeout after 30000 ms\" "
        "retry=3/3\n\nBusiness impact: finance cannot close the books until the export "
        "completes; our contractual SLA for priority issues is 4 hours. Please confirm "
        "receipt and give us an ETA, and let me know if you need logs, screenshots or a "
        f"call.\n\nBest regards,\n{first} {last}\nHead of Operations, {org.title()} Ltd\n"
    )
    m.add_alternative(
        "<html><head><meta charset=\"utf-8\"></head><body style=\"font-family:Calibri\">"
        f"<p>Hello support team,</p><p>I am escalating an issue on account <b>{acct}</b> "
        f"({org.title()} Ltd). Today {detail}. This affects roughly <b>{users}</b> users and "
        "blocks our month-end reporting, so we need this treated as priority.</p>"
        "<p>What we have tried so far:</p><ul>" + "".join(f"<li>{s}</li>" for s in steps)
        + "</ul><p>Business impact: finance cannot close the books until the export "
        "completes; our contractual SLA for priority issues is 4 hours. Please confirm "
        f"receipt and give us an ETA.</p><p>Best regards,<br>{first} {last}<br>Head of "
        f"Operations, {org.title()} Ltd</p></body></html>",
        subtype="html",
    )
    return m.as_bytes(policy=SMTP)


def backlog(count: int, seed: int = 4) -> Iterator[list[bytes]]:
    """The emails in APPEND batches, made as they are appended: never all in memory."""
    rng = random.Random(seed)
    for start in range(0, count, APPEND_BATCH):
        yield [seed_email(i, rng) for i in range(start, min(count, start + APPEND_BATCH))]


def settings_for(dovecot: Dovecot, user: str, url: str) -> Settings:
    imap = dovecot.settings(user)
    return config.from_dict({
        "database": {"url": url},
        "imap": {"host": imap.host, "port": imap.port, "username": user,
                 "password": PASSWORD, "ssl": False, "processed_folder": "Processed",
                 "failed_folder": "Failed"},
        "smtp": {"host": "127.0.0.1", "port": 25, "from_address": "escalations@example.com"},
        # the peer's senders are <name>@<org>.example: all colleagues here ("example"
        # alone is refused as a public suffix)
        "organization": {"internal_domains": ["example.com", *(f"{o}.example" for o in ORGS)]},
        "ladder": {"manager": "maya.manager@example.com", "director": "dan.director@example.com",
                   "vp": "vera.vp@example.com", "executive": "erin.ceo@example.com"},
    }, "<bench>")


def _synchronous(db: Database, mode: str) -> None:
    from sqlalchemy import event

    @event.listens_for(db.engine, "connect")
    def _pragma(dbapi_conn: object, _record: object) -> None:
        dbapi_conn.execute(f"PRAGMA synchronous={mode}")  # type: ignore[attr-defined]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parse_rate(count: int, settings: Settings) -> float:
    """parse() alone over the backlog's first `count` emails: msgs/s."""
    from escalator.service.intake import parse_settings
    from parser import parse

    with_settings = parse_settings(settings)
    emails = [raw for batch in backlog(count) for raw in batch]
    started = time.perf_counter()
    for raw in emails:
        parse(raw, with_settings, len(raw))
    return len(emails) / (time.perf_counter() - started)


def run_peer(count: int, runs: int) -> str:
    if not PEER.exists():
        return f"peer: {PEER} not found"
    proc = subprocess.run(["bash", str(PEER), str(count), str(runs)], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        return f"peer failed ({proc.returncode}): {proc.stderr.strip()[-400:]}"
    return proc.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--database-url", help="default: SQLite in a temporary folder")
    ap.add_argument("--profile", action="store_true", help="cProfile the drain; print the top")
    ap.add_argument("--peer", type=int, default=300, help="messages for the peer run")
    ap.add_argument("--peer-runs", type=int, default=3, help="peer runs (the median counts)")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--sqlite-synchronous", choices=["full", "normal"], default="full",
                    help="what-if: NORMAL skips the fsync per commit (safe against a killed "
                         "process, not against power loss); the product runs FULL")
    ap.add_argument("--without-event-cache", action="store_true",
                    help="what-if: no outbox.new_escalation mark, so each email of a new "
                         "escalation reads its (empty) trail from the database")
    args = ap.parse_args()
    if args.without_event_cache:
        from escalator.service import opening
        opening.new_escalation = lambda _session, _esc: None  # type: ignore[assignment]

    with tempfile.TemporaryDirectory() as tmp, Dovecot() as dovecot:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        init_db(url)
        user = dovecot.add_user().user
        settings = settings_for(dovecot, user, url)
        started = time.perf_counter()
        with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False, timeout=120) as client:
            client.login(user, PASSWORD)
            for batch in backlog(args.messages):
                client.multiappend("INBOX", batch)
            in_inbox = client.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"]
        print(f"backlog: {in_inbox} emails appended in {time.perf_counter() - started:.1f} s "
              f"({'SQLite' if url.startswith('sqlite') else 'PostgreSQL'})", flush=True)

        db = Database(url)
        if url.startswith("sqlite") and args.sqlite_synchronous != "full":
            _synchronous(db, args.sqlite_synchronous)
        handle = intake_batch_handler(db, settings)
        rss_before = peak_rss_mb()
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        stats = poll_once(settings.imap, handle)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        rss_after = peak_rss_mb()
        with db.transaction() as session:
            escalations = session.query(Escalation).count()
            acks = session.query(OutboxMessage).filter(OutboxMessage.kind == "ack").count()
            inbound = session.query(Inbound).count()
        db.dispose()
        print(f"escalator intake: {stats.handed} messages in {seconds:.2f} s = "
              f"{stats.handed / seconds:.0f} msgs/s (SQLite synchronous="
              f"{args.sqlite_synchronous}); peak RSS {rss_after:.0f} MB "
              f"(before the drain {rss_before:.0f} MB); escalations={escalations} "
              f"acks_in_outbox={acks} inbound={inbound} processed={stats.processed} "
              f"failed={stats.failed} left={stats.retried + stats.errors}", flush=True)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
            print(out.getvalue())
    ours = stats.handed / seconds
    parsing = parse_rate(min(args.messages, 2000), settings)
    print(f"parser.parse alone, same emails: {parsing:.0f} msgs/s; "
          f"parse / intake: {parsing / ours:.1f}x (goal: within 3x)", flush=True)
    if not args.no_peer:
        peer = run_peer(args.peer, args.peer_runs)
        print(peer)
        try:
            rate = float(peer.rsplit("=", 1)[1].split()[0])
            print(f"escalator / peer: {ours / rate:.1f}x (goal: 10x)")
        except (IndexError, ValueError):
            pass
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
