"""CRM account sync: the account directory read from a CSV by URL or file (the columns of
`accounts import`), upserted as `accounts import` does: `escalator accounts sync` once,
`escalator run` every [accounts] sync_every.

The source is an http(s) URL (a CRM's report export; `https://user:pass@…` is sent as
basic auth, ESCALATOR_ACCOUNTS_SYNC_TOKEN as a Bearer token) or a file path. A source that
cannot be read raises SyncError with one line naming it (never its password); a row that
cannot be used is skipped and named, as `accounts import` does. The job `accounts` records
itself in escalator.status: three failures in a row are an admin alert (alerts.py).
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests

from escalator.db import Database
from escalator.service.accounts import AccountFileError, ImportStats, import_accounts, read_file
from escalator.settings import Settings

__all__ = ["SyncError", "fetch", "sync", "sync_job"]

log = logging.getLogger(__name__)
JOB = "accounts"  # its name in escalator.status
TIMEOUT = (10, 120)  # connect, read (seconds): an export of 15,000 rows takes a while
MAX_BYTES = 64 * 1024 * 1024
TOKEN_ENV = "ESCALATOR_ACCOUNTS_SYNC_TOKEN"


class SyncError(AccountFileError):
    """The source cannot be read (down, refused, not CSV text, too big)."""


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def shown(source: str) -> str:
    """The source as messages name it: a URL without its user and password."""
    if not is_url(source):
        return source
    parts = urlsplit(source)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def fetch(source: str) -> str:
    """The CSV text of a URL or a file; SyncError (one line) when it cannot be had."""
    if not is_url(source):
        try:
            return read_file(source.removeprefix("file://"))
        except AccountFileError as e:
            raise SyncError(str(e)) from None
    headers = {"Accept": "text/csv, text/plain;q=0.9, */*;q=0.1",
               "User-Agent": "escalator-accounts-sync"}
    token = os.environ.get(TOKEN_ENV, "")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    where = shown(source)
    try:
        with requests.get(source, headers=headers, timeout=TIMEOUT, stream=True) as r:
            if r.status_code != 200:
                raise SyncError(f"{where}: HTTP {r.status_code} {r.reason or ''}".strip())
            body = bytearray()
            for chunk in r.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise SyncError(f"{where}: more than {MAX_BYTES // 2**20} MB")
    except requests.RequestException as e:
        raise SyncError(f"{where}: cannot fetch: {_reason(e)}") from None
    try:
        return bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SyncError(f"{where}: not UTF-8 text (export the CSV as UTF-8)") from None


def _reason(e: requests.RequestException) -> str:
    if isinstance(e, requests.Timeout):
        return "timed out"
    if isinstance(e, requests.ConnectionError):
        return "connection refused or host unknown"
    return type(e).__name__


def sync(db: Database, settings: Settings, source: str, now: datetime) -> ImportStats:
    """Fetch, then upsert in one transaction (with the health triggers)."""
    text = fetch(source)
    with db.transaction() as session:
        return import_accounts(session, text, now, settings=settings)


def sync_job(db: Database, settings: Settings, now: datetime) -> str | None:
    """`run`'s periodic sync (escalator.jobs.run_job runs it: an exception is the one log
    line and a failure in escalator.status); bad rows are logged, not a failure."""
    source = settings.accounts.sync_url
    stats = sync(db, settings, source, now)
    for problem in stats.problems[:20]:
        log.warning("accounts sync %s: %s", shown(source), problem)
    log.info("accounts sync %s: %s", shown(source), stats.summary())
    return None
