"""`escalator accounts sync [SOURCE]`: read the account directory once from a CSV by URL or
file (default [accounts] sync_url) and upsert it as `accounts import` does."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from escalator import config
from escalator.db import Database
from escalator.errors import ConfigError
from escalator.jobs import utcnow
from escalator.service.account_sync import shown, sync


def cmd_sync(args: argparse.Namespace) -> int:
    settings = config.load(args.config)
    source = args.source or settings.accounts.sync_url
    if not source:
        raise ConfigError(f"{args.config}: [accounts] sync_url: not set (or name a URL or "
                          "file: escalator accounts sync SOURCE)")
    db = Database(settings.database.url)
    db.check_current()
    stats = sync(db, settings, source, utcnow())
    where = shown(source)
    for problem in stats.problems:
        print(f"{where}: {problem}", file=sys.stderr)
    for line in stats.health:
        print(f"{where}: {line}")
    print(f"{where}: {stats.summary()}")
    return 0


def add_command(accounts: Any) -> None:
    """Wire `accounts sync` into the `accounts` subparsers."""
    p = accounts.add_parser("sync", help="upsert the account directory from a CSV URL or "
                                         "file ([accounts] sync_url)")
    p.add_argument("--config", default="config.toml", help="default ./config.toml")
    p.add_argument("source", nargs="?", help="an http(s) URL or a file path (default "
                                             "[accounts] sync_url)")
    p.set_defaults(func=cmd_sync)


__all__ = ["add_command", "cmd_sync"]
