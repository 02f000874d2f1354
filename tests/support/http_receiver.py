"""A real HTTP server on 127.0.0.1 that records what is POSTed to it, or answers on cue.

    receiver = HttpReceiver().start()
    receiver.url("/hook")            # http://127.0.0.1:PORT/hook
    receiver.status = 503            # every POST answered 503 (a receiver in trouble)
    receiver.down(); receiver.up()   # stop and start again on the same port
    receiver.requests -> [Posted(path, headers, body), ...]   only the 2xx answered ones
    receiver.seen     -> every POST, whatever it was answered

A threaded http.server: each request on a thread of its own, as a real receiver.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.tls import free_port


@dataclass(frozen=True)
class Posted:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.status = 200
        self.statuses: dict[str, int] = {}  # path -> status, before `status`
        self.requests: list[Posted] = []
        self.seen: list[Posted] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> HttpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                posted = Posted(self.path, {k.lower(): v for k, v in self.headers.items()},
                                self.rfile.read(length))
                status = receiver.statuses.get(self.path, receiver.status)
                with receiver._lock:
                    receiver.seen.append(posted)
                    if 200 <= status < 300:
                        receiver.requests.append(posted)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def up(self) -> HttpReceiver:
        return self.start()

    def stop(self) -> None:
        self.down()
