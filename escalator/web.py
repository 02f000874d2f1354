"""The read-only dashboard `escalator run` serves (stdlib http.server in a thread).

    /                     overview: open by severity and rung, breaching soon, ARR exposure
    /escalations          the list, filtered by ?status= &severity= &account= (&page=)
    /escalations/ESC-N    one escalation's timeline
    /accounts             accounts by ARR exposure (?q= part of a name, &page=)
    /report               the full report page (as `report --html` writes it)

GET only. On loopback it is open unless [web] token is set; on any other address a token
is required (Bearer header, or ?token= once, then a cookie), and without one the
dashboard refuses to start.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from escalator.db import Database
from escalator.errors import ConfigError, EscalatorError
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

    def __init__(self, settings: Settings, engine: Engine,
                 clock: Callable[[], datetime]) -> None:
        host = settings.web.host
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, settings.web.port), Handler)
        self.token = settings.web.token
        self.engine = engine
        self.clock = clock

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def start_dashboard(db: Database, settings: Settings,
                    clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Dashboard:
    """Bind and serve in a daemon thread; stop with .shutdown(). Errors are one line."""
    web = settings.web
    if not is_loopback(web.host) and not web.token:
        raise ConfigError(f"{settings.path}: [web] token: required when the dashboard listens "
                          f"on {web.host or 'all addresses'} (not loopback); set one, or "
                          f"host = \"127.0.0.1\"")
    try:
        server = Dashboard(settings, _read_engine(db), clock)
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

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
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
        try:
            with Session(self.server.engine) as session:
                status, body = self._route(session, url.path, query)
        except Exception:
            log.exception("dashboard page %s failed", url.path)
            status, body = HTTPStatus.INTERNAL_SERVER_ERROR, _error("This page failed; "
                                                                    "see the service log.")
        self._send(status, body)

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
            return 200, render_page("web/overview.html", nav="overview", now=now,
                                    **dashboard.overview(session, now))
        if path == "/escalations":
            f = _filters(q)
            rows, total = dashboard.escalation_list(session, f)
            return 200, render_page("web/escalations.html", nav="escalations", rows=rows,
                                    total=total, f=f, page_size=dashboard.PAGE, now=now,
                                    statuses=STATUSES, link=_link(path, q))
        m = re.fullmatch(r"/escalations/(?:ESC-)?(\d+)", path, re.I)
        if m:
            found = dashboard.timeline(session, int(m.group(1)))
            if found is None:
                return 404, _error(f"ESC-{m.group(1)}: no such escalation")
            return 200, render_page("web/escalation.html", nav="escalations", now=now, **found)
        if path == "/accounts":
            page = _int(q.get("page")) or 1
            rows = reports.accounts(session, limit=dashboard.PAGE,
                                    offset=(page - 1) * dashboard.PAGE, name=q.get("q", ""))
            return 200, render_page("web/accounts.html", nav="accounts", rows=rows, page=page,
                                    q=q.get("q", ""), page_size=dashboard.PAGE,
                                    link=_link(path, q))
        if path == "/report":
            return 200, report_html(reports.build_report(session, now))
        return 404, _error(f"{path}: no such page")

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in {**HEADERS, **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


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


def _error(message: str) -> str:
    return render_page("web/error.html", nav="", message=message)
