"""`escalator api-token create NAME [--write]`, `list` and `revoke NAME`: one token per
integration of the JSON API (/api/v1), read-only unless --write.

    create   prints the token once; only its SHA-256 is stored
    list     name, access, created, last used, revoked (--json for scripts)
    revoke   the token stops working at once; the name stays listed
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from escalator import config
from escalator.db import Database
from escalator.jobs import utcnow
from escalator.service import api_tokens
from escalator.service.views import iso


def _db(args: argparse.Namespace) -> Database:
    db = Database(config.load(args.config).database.url)
    db.check_current()
    return db


def cmd_create(args: argparse.Namespace) -> int:
    with _db(args).transaction() as session:
        secret = api_tokens.create(session, args.name, args.write, utcnow())
    name = api_tokens.check_name(args.name)
    print(f"api token '{name}' ({'read-write' if args.write else 'read-only'}); "
          "shown once, keep it now:")
    print(secret)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with _db(args).transaction() as session:
        rows: list[dict[str, Any]] = [
            {"name": t.name, "access": t.access, "created_at": iso(t.created_at),
             "last_used_at": iso(t.last_used_at), "revoked_at": iso(t.revoked_at)}
            for t in api_tokens.listing(session)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        state = f"revoked {r['revoked_at']}" if r["revoked_at"] else "active"
        print(f"{r['name']:<24} {r['access']:<10} created {r['created_at']}  last used "
              f"{r['last_used_at'] or 'never'}  {state}")
    if not rows:
        print("no api tokens (escalator api-token create NAME [--write])")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    with _db(args).transaction() as session:
        info = api_tokens.revoke(session, args.name, utcnow())
    print(f"api token '{info.name}' revoked at {iso(info.revoked_at)}")
    return 0


def add_commands(sub: Any) -> None:
    """Wire `api-token create|list|revoke` into the CLI's subparsers."""
    tokens = sub.add_parser("api-token", help="tokens of the JSON API, one per "
                                              "integration").add_subparsers(
        dest="api_token_command", required=True)

    def add(name: str, func: Any, help: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = tokens.add_parser(name, help=help)
        p.add_argument("--config", default="config.toml", help="default ./config.toml")
        p.set_defaults(func=func)
        return p

    p = add("create", cmd_create, "a new token, printed once (read-only unless --write)")
    p.add_argument("name", help="the integration, e.g. salesforce-sync")
    p.add_argument("--write", action="store_true",
                   help="read-write: may apply commands and upsert accounts")
    p = add("list", cmd_list, "the tokens: access, created, last used, revoked")
    p.add_argument("--json", action="store_true")
    p = add("revoke", cmd_revoke, "stop a token at once")
    p.add_argument("name")


__all__ = ["add_commands", "cmd_create", "cmd_list", "cmd_revoke"]
