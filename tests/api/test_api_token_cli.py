"""`escalator api-token create|list|revoke`, as a person runs them, on SQLite and
PostgreSQL: the token is printed once and only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import select

from escalator.db import Database, init_db
from models import ApiToken
from tests.api.test_account_sync import escalator, write_config
from tests.integration.conftest import database_url

__all__ = ["database_url"]


def test_create_list_revoke(database_url: str, tmp_path: Path) -> None:
    init_db(database_url)
    cfg = write_config(tmp_path, database_url)
    proc = escalator(cfg, "api-token", "create", "Salesforce-Sync", "--write")
    assert proc.returncode == 0, proc.stderr
    said, token = proc.stdout.splitlines()
    assert said == "api token 'salesforce-sync' (read-write); shown once, keep it now:"
    assert token.startswith("esc_") and len(token) == 47
    assert escalator(cfg, "api-token", "create", "dash").returncode == 0
    db = Database(database_url)
    try:
        with db.transaction() as session:
            rows = {t.name: t for t in session.scalars(select(ApiToken))}
        assert rows["salesforce-sync"].token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert rows["salesforce-sync"].write and not rows["dash"].write
        assert all(token not in str(vars(r)) for r in rows.values())
    finally:
        db.dispose()
    listed = json.loads(escalator(cfg, "api-token", "list", "--json").stdout)
    assert [(t["name"], t["access"], t["revoked_at"]) for t in listed] == [
        ("dash", "read-only", None), ("salesforce-sync", "read-write", None)]
    again = escalator(cfg, "api-token", "create", "salesforce-sync")
    assert again.returncode == 1
    assert again.stderr == ("escalator: api token 'salesforce-sync' exists; revoke it first "
                            "(escalator api-token revoke salesforce-sync)\n")
    proc = escalator(cfg, "api-token", "revoke", "salesforce-sync")
    assert proc.returncode == 0 and proc.stdout.startswith("api token 'salesforce-sync' "
                                                           "revoked at ")
    text = escalator(cfg, "api-token", "list").stdout
    assert "salesforce-sync" in text and "revoked" in text and "never" in text
    renewed = escalator(cfg, "api-token", "create", "salesforce-sync")  # a new one, same name
    assert renewed.returncode == 0 and renewed.stdout.splitlines()[1] != token
    assert escalator(cfg, "api-token", "revoke", "nobody").stderr == (
        "escalator: api token 'nobody': no such token\n")
    bad = escalator(cfg, "api-token", "create", "has space")
    assert bad.returncode == 1 and "is not a token name" in bad.stderr
