"""The read-only dashboard `escalator run` serves (stdlib http.server in a thread).

    /                     overview: open by severity and rung, breaching soon, ARR exposure
    /escalations          the list, filtered by ?status= &severity= &account= (&page=)
    /escalations/ESC-N    one escalation's timeline
    /accounts             accounts by ARR exposure (?q= part of a name, &page=)
    /report               the full report page (as `report --html` writes it)
    /healthz              liveness: 200 "ok" while the process serves (never asks a token)
    /readyz               readiness (escalator.health): JSON naming each check, 503 if one fails
    /metrics              Prometheus text format (escalator.metrics)

GET only. On loopback it is open unless [web] token is set; on any other address a token
is required (Bearer header, or ?token= once, then a cookie), and without one the
dashboard refuses to start. The token guards /readyz and /metrics too (they tell what
fails and how much mail flows; a Prometheus scrape config sends it as a bearer token);
only /healthz, which says nothing but "ok", is open to an orchestrator's probe.
Every page carries a banner while a readiness check is red or a start-up warning stands.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from escalator import metrics, status
from escalator.db import Database
from escalator.errors import ConfigError, EscalatorError
from escalator.health import Check, Probe, readiness
from escalator.pages import render_page, report_html
from escalator.service import dashboard, reports
from escalator.settings import Settings
from models.escalation import STATUSES

log = logging.getLogger(__name__)
COOKIE = "escalator_token"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "img-src data:; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Dashboard(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, settings: Settings, engine: Engine, clock: Callable[[], datetime],
                 probe: Probe | None = None, warnings: Sequence[str] = ()) -> None:
        host = settings.web.host
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, settings.web.port), Handler)
        self.settings = settings
        self.token = settings.web.token
        self.engine = engine
        self.clock = clock
        self.probe = probe
        self.warnings = tuple(warnings)
        self.metrics = metrics.registry(engine, clock)

    def checks(self, session: Session) -> list[Check]:
        return readiness(session, self.settings, self.clock(), status.snapshot(), self.probe)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def start_dashboard(db: Database, settings: Settings,
                    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                    probe: Probe | None = None, warnings: Sequence[str] = ()) -> Dashboard:
    """Bind and serve in a daemon thread; stop with .shutdown(). Errors are one line.

    `probe` (from `escalator run`) adds this process's mailbox, scheduler and jobs to the
    readiness checks; `warnings` (config.warnings) stand in the banner."""
    web = settings.web
    if not is_loopback(web.host) and not web.token:
        raise ConfigError(f"{settings.path}: [web] token: required when the dashboard listens "
                          f"on {web.host or 'all addresses'} (not loopback); set one, or "
                          f"host = \"127.0.0.1\"")
    try:
        server = Dashboard(settings, _read_engine(db), clock, probe, warnings)
    except OSError as e:
        raise EscalatorError(f"[web] {web.host}:{web.port}: cannot listen: "
                             f"{e.strerror or e}") from None
    threading.Thread(target=server.serve_forever, name="web", daemon=True).start()
    log.info("dashboard at %s", server.url)
    return server


def _read_engine(db: Database) -> Engine:
    """SQLite: a plain engine, so a page read never takes the write lock (BEGIN IMMEDIATE)."""
    if db.url.startswith("sqlite"):
        return create_engine(db.url, connect_args={"timeout": 30, "check_same_thread": False})
    return db.engine


class Handler(BaseHTTPRequestHandler):
    server: Dashboard
    server_version = "Escalator"
    sys_version = ""
    banner: dict[str, list[str]] = {"red": [], "warnings": []}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/healthz":  # liveness: this thread answers; no token, no database
            self._send(HTTPStatus.OK, "ok\n", content_type="text/plain; charset=utf-8")
            return
        if self.server.token:
            if not self._authorized(query):
                self._send(HTTPStatus.UNAUTHORIZED, _error("A token is needed: open the "
                           "link with ?token=… or send Authorization: Bearer …"),
                           {"WWW-Authenticate": 'Bearer realm="escalator"'})
                return
            if "token" in query:  # keep it in a cookie, out of the address bar and links
                rest = urlencode({k: v for k, v in query.items() if k != "token"})
                self._send(HTTPStatus.SEE_OTHER, "", {
                    "Location": url.path + (f"?{rest}" if rest else ""),
                    "Set-Cookie": f"{COOKIE}={query['token']}; HttpOnly; SameSite=Strict; "
                                  "Path=/"})
                return
        if url.path == "/metrics":
            self._metrics()
            return
        try:
            with Session(self.server.engine) as session:
                checks = self.server.checks(session)
                if url.path == "/readyz":
                    self._readyz(checks)
                    return
                self.banner = _banner(checks, self.server.warnings)
                code, body = self._route(session, url.path, query)
        except Exception:
            log.exception("dashboard page %s failed", url.path)
            code, body = HTTPStatus.INTERNAL_SERVER_ERROR, _error(  # a red check says why
                "This page failed; see the service log.", self.banner)
        self._send(code, body)

    def _readyz(self, checks: list[Check]) -> None:
        ready = all(c.ok for c in checks)
        body = {"ready": ready,
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
        self._send(HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE,
                   json.dumps(body, indent=2) + "\n", content_type="application/json")

    def _metrics(self) -> None:
        from prometheus_client import CONTENT_TYPE_LATEST

        try:
            data = metrics.exposition(self.server.metrics).decode()
        except Exception:
            log.exception("metrics failed")
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "metrics failed; see the service "
                       "log\n", content_type="text/plain; charset=utf-8")
            return
        self._send(HTTPStatus.OK, data, content_type=CONTENT_TYPE_LATEST)

    def _page(self, name: str, **context: Any) -> str:
        return render_page(name, banner=self.banner, **context)

    def _authorized(self, query: dict[str, str]) -> bool:
        offered = [query.get("token", "")]
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            offered.append(auth[7:].strip())
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        if COOKIE in cookie:
            offered.append(cookie[COOKIE].value)
        want = self.server.token.encode()
        return any(o and hmac.compare_digest(o.encode(), want) for o in offered)

    def _route(self, session: Session, path: str, q: dict[str, str]) -> tuple[int, str]:
        now = self.server.clock()
        if path == "/":
            return 200, self._page("web/overview.html", nav="overview", now=now,
                                    **dashboard.overview(session, now))
        if path == "/escalations":
            f = _filters(q)
            rows, total = dashboard.escalation_list(session, f, now)
            return 200, self._page("web/escalations.html", nav="escalations", rows=rows,
                                    total=total, f=f, page_size=dashboard.PAGE, now=now,
                                    statuses=STATUSES, link=_link(path, q))
        m = re.fullmatch(r"/escalations/(?:ESC-)?(\d+)", path, re.I)
        if m:
            found = dashboard.timeline(session, int(m.group(1)), now)
            if found is None:
                return 404, _error(f"ESC-{m.group(1)}: no such escalation", self.banner)
            return 200, self._page("web/escalation.html", nav="escalations", now=now, **found)
        if path == "/accounts":
            page = _int(q.get("page")) or 1
            rows = reports.accounts(session, limit=dashboard.PAGE,
                                    offset=(page - 1) * dashboard.PAGE, name=q.get("q", ""))
            return 200, self._page("web/accounts.html", nav="accounts", rows=rows, page=page,
                                    q=q.get("q", ""), page_size=dashboard.PAGE,
                                    link=_link(path, q))
        if path == "/report":
            return 200, report_html(reports.build_report(session, now), nav=True)
        return 404, _error(f"{path}: no such page", self.banner)

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None,
              content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in {**HEADERS, **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        # the request line may carry ?token=: never in a log
        log.debug("%s %s", self.address_string(), _TOKEN_IN_QUERY.sub(r"\1token=…",
                                                                       format % args))


def _filters(q: dict[str, str]) -> dashboard.Filters:
    status = q.get("status", "").lower()
    severity = _int(q.get("severity"))
    return dashboard.Filters(
        status=status if status in STATUSES else "",
        severity=severity if severity in (1, 2, 3, 4) else None,
        account=q.get("account", "").strip()[:200], page=_int(q.get("page")) or 1)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 7 else None


def _link(path: str, q: dict[str, str]) -> Callable[..., str]:
    """The same page with some query values changed: link(page=2)."""
    def link(**changes: Any) -> str:
        merged = {k: v for k, v in {**q, **changes}.items() if v not in ("", None)}
        merged.pop("token", None)
        return path + ("?" + urlencode(merged) if merged else "")
    return link


_TOKEN_IN_QUERY = re.compile(r"([?&])token=[^&\s\"]*")


def _banner(checks: list[Check], warnings: Sequence[str]) -> dict[str, list[str]]:
    """What the banner says: the red checks, then the start-up warnings."""
    return {"red": [f"{c.name}: {c.detail}" for c in checks if not c.ok],
            "warnings": list(warnings)}


def _error(message: str, banner: dict[str, list[str]] | None = None) -> str:
    return render_page("web/error.html", nav="", message=message,
                       banner=banner or {"red": [], "warnings": []})
