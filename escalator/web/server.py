"""uvicorn in a thread of `escalator run`, with limits so held-open connections cannot
take the process's file descriptors from intake:

- at most [web] max_connections at once; one more gets a 503 and is closed at once
- a request's headers within header_timeout_seconds (slowloris), or the connection closes
- kept-alive connections close after idle_timeout_seconds without a new request
- the listen backlog is small, so one burst of accepts stays near the cap
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from escalator.db import Database
from escalator.errors import ConfigError, EscalatorError
from escalator.health import Probe
from escalator.settings import Settings, WebSettings
from escalator.web.app import build_app
from escalator.web.site import Site

log = logging.getLogger(__name__)
_BUSY_TEXT = b"Too many connections at once; try again shortly.\n"
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: %d\r\nConnection: close\r\nRetry-After: 5\r\n\r\n%s"
        % (len(_BUSY_TEXT), _BUSY_TEXT))
START_SECONDS = 10.0


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def guarded_protocol(web: WebSettings) -> type[H11Protocol]:
    class Guarded(H11Protocol):
        refused = False
        deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            if len(self.connections) >= web.max_connections:
                self.refused = True
                assert isinstance(transport, asyncio.Transport)
                transport.write(BUSY)
                transport.close()
                return
            super().connection_made(transport)  # type: ignore[arg-type]
            self.arm()

        def arm(self) -> None:
            self.deadline = self.loop.call_later(web.header_timeout_seconds, self.too_slow)

        def too_slow(self) -> None:
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()  # no whole request line and headers in time

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.deadline is not None:
                self.deadline.cancel()
            if not self.transport.is_closing():
                self.arm()

        def connection_lost(self, exc: Exception | None) -> None:
            if self.refused:
                return
            if self.deadline is not None:
                self.deadline.cancel()
            super().connection_lost(exc)

    return Guarded


class Dashboard:
    """The dashboard served in a daemon thread; `.url`, `.server_address`, `.shutdown()`."""

    def __init__(self, site: Site, sock: socket.socket) -> None:
        web = site.settings.web
        self.site = site
        self.server_address: tuple[str, int] = sock.getsockname()[:2]
        config = uvicorn.Config(
            build_app(site), http=guarded_protocol(web), lifespan="off", log_config=None,
            access_log=False,  # a request line may carry ?token=: never in a log
            timeout_keep_alive=web.idle_timeout_seconds, timeout_graceful_shutdown=3,
            backlog=min(web.max_connections, 128), server_header=False,
            h11_max_incomplete_event_size=16 * 1024)
        self.server = uvicorn.Server(config)
        self.sock = sock
        self.thread = threading.Thread(target=self._serve, name="web", daemon=True)
        self.failed: BaseException | None = None

    def _serve(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as e:  # told to the starting thread, or logged once running
            self.failed = e
            log.error("dashboard stopped: %s", e)

    def start(self) -> None:
        self.thread.start()
        give_up = time.monotonic() + START_SECONDS
        while not self.server.started and self.thread.is_alive():
            if time.monotonic() > give_up:
                break
            time.sleep(0.01)
        if not self.server.started:
            self.shutdown()
            raise EscalatorError(f"[web] {self.url}: the dashboard did not start"
                                 + (f": {self.failed}" if self.failed else ""))

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def shutdown(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


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
    family = socket.AF_INET6 if ":" in web.host else socket.AF_INET
    try:
        sock = socket.create_server((web.host, web.port), family=family,
                                    backlog=min(web.max_connections, 128))
    except OSError as e:
        raise EscalatorError(f"[web] {web.host}:{web.port}: cannot listen: "
                             f"{e.strerror or e}") from None
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)  # no start-up chatter
    server = Dashboard(Site(settings, db, clock, probe, tuple(warnings)), sock)
    server.start()
    log.info("dashboard at %s", server.url)
    return server
