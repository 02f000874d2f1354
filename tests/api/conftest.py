"""The API as `escalator run` serves it (the dashboard's uvicorn on loopback, the API
mounted at /api/v1), over the report tests' small world (six escalations from real
emails, three directory accounts), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from escalator.db import Database
from escalator.service import api_tokens
from escalator.settings import Settings, WebSettings
from escalator.web import start_dashboard
from tests.integration.conftest import database_url
from tests.reports.sample import T0, populate
from tests.support.api_server import call

__all__ = ["Api", "api", "database_url"]
NOW = T0 + timedelta(hours=6)


@dataclass
class Api:
    base: str  # http://127.0.0.1:PORT/api/v1
    db: Database
    settings: Settings
    read: str  # a read-only token ("dash")
    write: str  # a read-write token ("crm")

    def get(self, path: str, token: str | None = "", **_: Any) -> tuple[int, Any]:
        return call("GET", self.base + path, self.read if token == "" else token)

    def send(self, method: str, path: str, body: Any, token: str | None = "") -> tuple[int, Any]:
        return call(method, self.base + path, self.write if token == "" else token, body)


def dashboard_token(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("web_token")
    return str(marker.args[0]) if marker else ""


@pytest.fixture
def api(database_url: str, request: pytest.FixtureRequest) -> Iterator[Api]:
    """`@pytest.mark.web_token("…")` sets [web] token (the dashboard's own)."""
    db, settings = populate(database_url)
    settings = replace(settings, web=WebSettings(port=0, token=dashboard_token(request)))
    with db.transaction() as session:
        read = api_tokens.create(session, "dash", False, NOW)
        write = api_tokens.create(session, "crm", True, NOW)
    server = start_dashboard(db, settings, clock=lambda: NOW)
    try:
        yield Api(server.url + "/api/v1", db, settings, read, write)
    finally:
        server.shutdown()
        db.dispose()
