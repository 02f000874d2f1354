"""What every route of the dashboard reads: settings, the databases, the clock, the banner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse

from escalator import metrics, status
from escalator.db import Database
from escalator.health import Check, Probe, readiness
from escalator.pages import render_page
from escalator.settings import Settings

Banner = dict[str, list[str]]
NO_BANNER: Banner = {"red": [], "warnings": []}


@dataclass
class Site:
    settings: Settings
    db: Database  # writes (sign-in, actions) go through db.transaction()
    clock: Callable[[], datetime]
    probe: Probe | None = None
    warnings: tuple[str, ...] = ()
    engine: Engine = field(init=False)  # reads
    metrics: CollectorRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.engine = read_engine(self.db)
        self.metrics = metrics.registry(self.engine, self.clock)

    def checks(self, session: Session) -> list[Check]:
        return readiness(session, self.settings, self.clock(), status.snapshot(), self.probe)

    def banner(self, session: Session) -> Banner:
        """What the banner says: the red checks, then the start-up warnings."""
        return {"red": [f"{c.name}: {c.detail}" for c in self.checks(session) if not c.ok],
                "warnings": list(self.warnings)}


def site_of(request: Request) -> Site:
    found: Site = request.state.site  # put there by the app's outer middleware
    return found


def read_engine(db: Database) -> Engine:
    """SQLite: a plain engine, so a page read never takes the write lock (BEGIN IMMEDIATE)."""
    if db.url.startswith("sqlite"):
        return create_engine(db.url, connect_args={"timeout": 30, "check_same_thread": False})
    return db.engine


def page(name: str, banner: Banner, status_code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render_page(name, banner=banner, **context), status_code)


def error_page(message: str, status_code: int, banner: Banner | None = None) -> HTMLResponse:
    return page("web/error.html", banner or NO_BANNER, status_code, nav="", message=message)
