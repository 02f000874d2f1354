"""`escalator auth login` and `escalator auth status`: sign a mailbox in once, and see how
its OAuth2 tokens stand.

    auth login    per mailbox of [imap] and [smtp] whose flow keeps a refresh token: the
                  device-code flow (Microsoft) or the consent flow (Google installed app),
                  the result stored; the other flows just fetch one token to prove the setup
    auth status   per mailbox: the account, the flow, when the access token expires and
                  whether the refresh token still works (it is used once to find out);
                  exit 1 if any does not
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from escalator import config, oauth
from escalator.db import Database
from escalator.oauth_config import STORED_FLOWS
from escalator.settings import OAuth2Settings, Settings
from mailer.errors import TokenError
from mailer.tokens import Stored, TokenSource


def _mailboxes(settings: Settings) -> Iterator[tuple[str, OAuth2Settings, str]]:
    """(table, settings, mailbox) of each distinct OAuth2 sign-in in the config."""
    seen: set[tuple[str, str, str, str]] = set()
    for table, s, user in (("imap", settings.imap, settings.imap.username),
                           ("smtp", settings.smtp, settings.smtp.username)):
        if not (s.oauth2_flow or s.oauth2_token):
            continue
        key = (s.oauth2_flow, user, s.oauth2_tenant, s.oauth2_client_id)
        if key not in seen:
            seen.add(key)
            yield table, s, user


def _settings(args: argparse.Namespace) -> tuple[Settings, list[tuple[str, OAuth2Settings,
                                                                      str]]]:
    from escalator.errors import ConfigError

    settings = config.load(args.config)
    boxes = list(_mailboxes(settings))
    if not boxes:
        raise ConfigError(f"{args.config}: neither [imap] nor [smtp] sets oauth2_flow: "
                          "nothing to sign in")
    if any(s.oauth2_flow in STORED_FLOWS for _, s, _ in boxes):
        Database(settings.database.url).check_current()  # the credential table is there
    return settings, boxes


def cmd_login(args: argparse.Namespace, say: Callable[[str], None] = print) -> int:
    settings, boxes = _settings(args)
    for table, s, user in boxes:
        if s.oauth2_flow in STORED_FLOWS and s.oauth2_key_file and not os.path.exists(
                s.oauth2_key_file):
            oauth.store(settings, s, create_key=True)
            say(f"created {s.oauth2_key_file} (mode 0600): the key that encrypts the stored "
                "tokens; keep it with the config, out of the database backups")
        source = oauth.build(settings, s, user)
        say(f"[{table}] {user}: {source.flow}")
        if s.oauth2_flow == "microsoft-delegated":
            _device_code(source, user, say)
        elif s.oauth2_flow == "google-installed":
            _google_consent(source, s, say)
        elif not source.renewable:
            say("  a static token: nothing to sign in (it is used as it is until it expires)")
        else:
            source.access_token()
            say("  an access token came back: the setup works (nothing to store)")
    return 0


def _device_code(source: TokenSource, user: str, say: Callable[[str], None]) -> None:
    from mailer.tokens.microsoft import MicrosoftDelegated

    assert isinstance(source, MicrosoftDelegated)
    flow = source.start_login()
    say(f"  {flow['message']}")
    sys.stdout.flush()
    claims = source.finish_login(flow)
    account = str(claims.get("preferred_username") or claims.get("email") or "")
    say(f"  signed in{' as ' + account if account else ''}; the refresh token is stored")
    if account and account.lower() != user.lower():
        say(f"  note: {account} reads {user} as a shared mailbox: it needs FullAccess "
            "(Add-MailboxPermission, see README)")


def _google_consent(source: TokenSource, s: OAuth2Settings, say: Callable[[str], None]
                    ) -> None:
    from mailer.tokens.google import GoogleInstalledApp

    assert isinstance(source, GoogleInstalledApp)
    sys.stdout.flush()
    source.login(f"  open this link in a browser, sign in as {source.user} and allow "
                 "access (the browser then comes back here):\n  {url}")
    say("  consent given; the refresh token works and is stored")


def _status_of(settings: Settings, table: str, s: OAuth2Settings, user: str
               ) -> dict[str, Any]:
    source = oauth.build(settings, s, user)
    row: dict[str, Any] = {"table": table, "mailbox": user, "flow": source.flow,
                           "account": user, "expires_at": None, "refresh_ok": None,
                           "error": None, "updated_at": None}
    stored_at = None
    before = None
    if isinstance(source, Stored):
        found = oauth.store(settings, s).read(source.key)
        data = found.data or {}
        row["account"] = data.get("account") or user
        stored_at, before = found.updated_at, data.get("access_token")
    try:
        if isinstance(source, Stored):
            source.access_token(rejected=before)  # use the refresh token once: does it work?
        else:
            source.access_token()
        row["refresh_ok"] = True if source.renewable else None  # a static token: nothing to renew
    except TokenError as e:
        row["refresh_ok"], row["error"] = False, str(e)
    cached = getattr(source, "cached", None)
    if cached is not None:
        row["expires_at"] = _iso(cached.expires_at)
    if stored_at is not None:
        row["updated_at"] = stored_at.isoformat().replace("+00:00", "Z")
    return row


def _iso(posix: float) -> str:
    return datetime.fromtimestamp(posix, UTC).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def cmd_status(args: argparse.Namespace) -> int:
    settings, boxes = _settings(args)
    rows = [_status_of(settings, table, s, user) for table, s, user in boxes]
    if args.json:
        print(json.dumps(rows, indent=2))
    for r in rows if not args.json else []:
        works = {True: "refresh works", False: "REFRESH FAILS", None: "not renewable"}[
            r["refresh_ok"]]
        left = ""
        if r["expires_at"]:
            minutes = (datetime.fromisoformat(r["expires_at"].replace("Z", "+00:00"))
                       - datetime.now(UTC)).total_seconds() / 60
            left = f"access token expires {r['expires_at']} (in {minutes:.0f} min)"
        print(f"[{r['table']}] {r['mailbox']}: {r['flow']}, account {r['account']}; "
              f"{left or 'no access token'}; {works}")
        if r["error"]:
            print(f"  {r['error']}")
    return 1 if any(r["refresh_ok"] is False for r in rows) else 0


def add_commands(sub: Any) -> None:
    """Wire `auth login` and `auth status` into the CLI's subparsers."""
    auth = sub.add_parser("auth", help="OAuth2 sign-in of the mailbox (Microsoft 365, "
                                       "Google Workspace)").add_subparsers(
        dest="auth_command", required=True)
    p = auth.add_parser("login", help="sign the mailbox in once (device code or consent)")
    p.add_argument("--config", default="config.toml", help="default ./config.toml")
    p.set_defaults(func=cmd_login)
    p = auth.add_parser("status", help="per mailbox: account, flow, token expiry, refresh")
    p.add_argument("--config", default="config.toml", help="default ./config.toml")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)


__all__ = ["add_commands", "cmd_login", "cmd_status"]
