"""The `escalator` command: one function per command. Errors become one line and exit code 1."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from escalator import config, links
from escalator.db import Database, init_db
from escalator.errors import EscalatorError, NotFound
from escalator.jobs import intake_batch_handler, smtp_factory, tick, utcnow
from escalator.service import tasks
from escalator.service.views import escalation_view, event_view
from escalator.settings import Settings
from models import Escalation, Event
from models.escalation import MAX_ID, STATUSES

Command = Callable[[argparse.Namespace], int]


def _settings(args: argparse.Namespace) -> Settings:
    return config.load(args.config)


def _sending_settings(args: argparse.Namespace) -> Settings:
    """Settings for a command that sends mail: its templates must render, or it stops here."""
    from escalator.render import check_templates

    settings = _settings(args)
    check_templates(settings.templates.dir or None)
    links.signer(settings.web)  # the links' key made now (or a one-line error), not mid-send
    return settings


def _database(settings: Settings) -> Database:
    from escalator.service.publish import install

    db = Database(settings.database.url)
    db.check_current()
    install(db, settings)  # events out to webhooks, Slack and Teams, when configured
    return db


def cmd_init_db(args: argparse.Namespace) -> int:
    settings = _settings(args)
    revision = init_db(settings.database.url)
    print(f"schema at revision {revision}")
    return 0


def cmd_poll(args: argparse.Namespace) -> int:
    from escalator.oauth import imap_tokens
    from mailer.poll import poll_once

    settings = _sending_settings(args)
    db = _database(settings)
    stats = poll_once(settings.imap, intake_batch_handler(db, settings),
                      tokens=imap_tokens(settings))
    sent = tick_delivery(db, settings)
    print(f"polled {settings.imap.folder}: {stats.handed} messages, "
          f"{stats.processed} processed, {stats.failed} failed, "
          f"{stats.retried + stats.errors} left; "
          f"{sent} emails sent")
    return 0


def tick_delivery(db: Database, settings: Settings) -> int:
    from escalator.service.delivery import deliver

    return deliver(db, settings, smtp_factory(settings)).sent


def cmd_tick(args: argparse.Namespace) -> int:
    settings = _sending_settings(args)
    now = _instant(args.at) if args.at else utcnow()
    db = _database(settings)
    stats = tick(db, settings, now, smtp_factory(settings))
    faults = ""
    if stats.failed_escalations:
        ids = ", ".join(f"ESC-{i}" for i in dict.fromkeys(stats.failed_escalations))
        faults = f"; failed and put off: {ids}"
    if stats.failed_digests:
        faults += f"; digest failed for {', '.join(stats.failed_digests)}"
    if stats.weekly:
        faults += "; weekly report queued"
    print(f"tick at {now.isoformat()}: {stats.notices} notices, "
          f"{stats.task_notices} task notices; "
          f"{stats.delivery.sent} emails sent, {stats.delivery.deferred} deferred, "
          f"{stats.delivery.failed} failed{faults}")
    if stats.failed_jobs:
        failed = "; ".join(f"{job}: {stats.errors[job]}" for job in stats.failed_jobs)
        raise EscalatorError(f"tick: job failed: {failed}")
    return 0


def _instant(text: str, option: str = "--at") -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EscalatorError(f"{option}: '{text}' is not an ISO 8601 time "
                             "(e.g. 2026-11-26T14:00:00Z)") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def cmd_list(args: argparse.Namespace) -> int:
    settings = _settings(args)
    db = _database(settings)
    with db.transaction() as session:
        query = select(Escalation).order_by(Escalation.id)
        if args.status:
            query = query.where(Escalation.status == args.status.lower())
        if args.account:
            query = query.where(Escalation.account.ilike(args.account))
        rows = [escalation_view(e) for e in session.scalars(query)]
    return _print_rows(rows, args.json, "no escalations", lambda r: (
        f"{r['id']:>8}  sev {r['severity']}  {r['status']:<8} {r['rung']:<9} "
        f"{r['account']} – {r['summary']}"))


def _print_rows(rows: list[dict[str, Any]], as_json: bool, empty: str,
                line: Callable[[dict[str, Any]], str]) -> int:
    """A listing: JSON for scripts, else one line a row (or a line saying there are none)."""
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for r in rows:
        print(line(r))
    if not rows:
        print(empty)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    settings = _settings(args)
    db = _database(settings)
    number = _esc_number(args.id)
    with db.transaction() as session:
        esc = session.get(Escalation, number) if number <= MAX_ID else None
        if esc is None:
            raise NotFound(f"{args.id}: no such escalation")
        view: dict[str, Any] = escalation_view(esc)
        view.update(tasks.json_view(settings, esc, tasks.of(session, esc)))
        view["events"] = [event_view(e) for e in session.scalars(
            select(Event).where(Event.escalation_id == esc.id).order_by(Event.id))]
    if args.json:
        print(json.dumps(view, indent=2, ensure_ascii=False))
        return 0
    for key, value in view.items():
        if key != "events":
            print(f"{key:>20}: {_shown(value)}")
    print("              events:")
    for e in view["events"]:
        print(f"    {e['at']}  {e['kind']:<10} {e['actor']}: {e['detail']}")
    return 0


def _shown(value: Any) -> str:
    """A value as a person reads it: no None, no brackets and quotes of a Python list."""
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value)
    if isinstance(value, dict):  # an attachment: "filename report.pdf, size 1234, …"
        return ", ".join(f"{k} {_shown(v)}" for k, v in value.items() if v not in (None, ""))
    return str(value)


def _esc_number(text: str) -> int:
    digits = text.upper().removeprefix("ESC-")
    if not digits.isdigit():
        raise EscalatorError(f"'{text}' is not an escalation id (e.g. ESC-12)")
    return int(digits)


def cmd_ignored(args: argparse.Namespace) -> int:
    from escalator.service.ignored import ignored_messages

    settings = _settings(args)
    since = _instant(args.since, "--since") if args.since else None
    db = _database(settings)
    with db.transaction() as session:
        rows = ignored_messages(session, since)
    return _print_rows(rows, args.json, "no ignored messages", _ignored_line)


def _ignored_line(r: dict[str, Any]) -> str:
    """One line a message; a reason that starts by naming the outcome and sender ("outsider
    x@y (dmarc fail)") is not made to say them twice."""
    said = f"{r['outcome']} {r['sender']}".strip()
    reason = r["reason"]
    if reason.lower().startswith(said.lower()):
        rest = reason[len(said):].strip()
        who = f"{said} {rest}" if rest else said
    else:
        who = f"{r['outcome']:<8} {r['sender'] or '(no sender)'}: {reason}"
    return f"{r['received_at']}  {who}  [{r['subject'][:60]}]"


def cmd_run(args: argparse.Namespace) -> int:
    from escalator.runner import run

    settings = _sending_settings(args)
    db = _database(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    run(db, settings, stop)
    return 0


def cmd_accounts_import(args: argparse.Namespace) -> int:
    from escalator.service.accounts import import_accounts, read_file

    settings = _settings(args)
    text = read_file(args.file)
    db = _database(settings)
    with db.transaction() as session:
        stats = import_accounts(session, text, utcnow(), settings=settings)
    for problem in stats.problems:
        print(f"{args.file}: {problem}", file=sys.stderr)
    for line in stats.health:
        print(f"{args.file}: {line}")
    print(f"{args.file}: {stats.summary()}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from escalator.pages import report_html, report_text
    from escalator.service.reports import build_report

    settings = _settings(args)
    db = _database(settings)
    week = None
    if args.week:
        from escalator.service.reports_week import report_settings, week_named

        try:
            week = week_named(report_settings(settings), args.week)
        except ValueError as e:
            raise EscalatorError(f"--week {args.week}: {e}") from None
    with db.transaction() as session:
        report = build_report(session, utcnow(), settings, week)
    if args.html:
        try:
            with open(args.html, "w", encoding="utf-8") as f:
                f.write(report_html(report))
        except OSError as e:
            raise EscalatorError(f"--html {args.html}: cannot write: {e.strerror}") from None
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif not args.html:
        print("\n".join(report_text(report)))
    else:
        print(f"report written to {args.html}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from escalator.demo import demo

    demo(print)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="escalator", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log what happens, with our debug lines and tracebacks")
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="json: one JSON object per line, for log shippers")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Command, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("--config", default="config.toml", help="default ./config.toml")
        p.set_defaults(func=func)
        return p

    add("demo", cmd_demo, "the whole flow on embedded defaults, with the clock advanced")
    add("init-db", cmd_init_db, "create or migrate the schema of [database] url")
    add("run", cmd_run, "the service: IMAP poller, SLA scheduler, outbox sender")
    p = add("poll", cmd_poll, "fetch and process the mailbox, deliver the mail, exit")
    p.add_argument("--once", action="store_true", required=True)
    p = add("tick", cmd_tick, "run every SLA job due at that instant, deliver the mail, exit")
    p.add_argument("--at", help="ISO 8601 instant (default now)")
    p = add("list", cmd_list, "escalations")
    p.add_argument("--json", action="store_true")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--account")
    p = add("show", cmd_show, "one escalation with its history")
    p.add_argument("id", help="ESC-N")
    p.add_argument("--json", action="store_true")
    p = add("ignored", cmd_ignored, "received messages that changed nothing, with the reason")
    p.add_argument("--json", action="store_true")
    p.add_argument("--since", help="ISO 8601 instant (default: all)")
    accounts = sub.add_parser("accounts", help="the account directory").add_subparsers(
        dest="accounts_command", required=True)
    p = accounts.add_parser("import", help="upsert the account directory from a CSV file")
    p.add_argument("--config", default="config.toml", help="default ./config.toml")
    p.add_argument("file", help="CSV: name, arr, segment, renewal_date, csm, team, health, "
                                "aliases (optional, separated by ;)")
    p.set_defaults(func=cmd_accounts_import)
    from escalator.account_sync_cli import add_command as add_sync_command

    add_sync_command(accounts)
    from escalator.auth_cli import add_commands as add_auth_commands

    add_auth_commands(sub)
    from escalator.api_token_cli import add_commands as add_api_token_commands

    add_api_token_commands(sub)
    p = add("report", cmd_report, "roll-ups and SLA figures")
    p.add_argument("--json", action="store_true")
    p.add_argument("--html", metavar="PATH", help="write one self-contained HTML page")
    p.add_argument("--week", metavar="YYYY-MM-DD",
                   help="the weekly figures of the week whose report is on that day")
    return parser


OUR_LOGGERS = ("escalator", "mailer", "parser", "models")
# libraries that speak at INFO for every job run, SMTP session or schema check: warnings only
QUIET_LOGGERS = ("apscheduler", "mail.log", "aiosmtpd", "alembic")


def configure_logging(service: bool, verbose: bool, fmt: str) -> None:
    """`run` logs at INFO (a line per message, notice and delivery); the other commands
    only warnings; -v adds INFO and our own DEBUG lines (tracebacks). No line carries a
    password, a token or a message body: the code logs addresses, ids and reasons only."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter(
            "%(levelname)s %(name)s %(message)s", timestamp="time",
            rename_fields={"levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: "
                                               "%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if service or verbose else logging.WARNING)
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.NOTSET)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.command == "run", args.verbose, args.log_format)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a reader gone (`show ... | head`) shows here, not at exit
        return code
    except BrokenPipeError:
        # the reader has all it wanted: end quietly, as a tool stopped by SIGPIPE would
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except EscalatorError as e:
        print(f"escalator: {e}", file=sys.stderr)
        return 1
    except SQLAlchemyError as e:
        first = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        print(f"escalator: database: {first}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug: still one line for the user; the traceback with -v
        logging.getLogger("escalator").debug("unexpected error", exc_info=True)
        first = (str(e).strip().splitlines() or [""])[0]
        print(f"escalator: unexpected {type(e).__name__}: {first} (run with -v for the "
              "traceback)", file=sys.stderr)
        if args.verbose:
            import traceback

            traceback.print_exc()
        return 2


if __name__ == "__main__":
    sys.exit(main())
